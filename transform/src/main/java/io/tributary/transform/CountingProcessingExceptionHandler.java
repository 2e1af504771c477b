package io.tributary.transform;

import io.micrometer.core.instrument.Counter;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Kafka Streams' log-and-continue for a record that cannot be normalised (it goes to the dead-letter topic and
 * the partition keeps flowing), counted in {@link DeadLetterCount}. An unreachable schema registry (reading
 * or writing the store of full rows needs it) is no fault of the record: the stream thread fails and is
 * replaced, resuming from the last committed offset, as for a record that cannot be decoded.
 */
public final class CountingProcessingExceptionHandler extends LogAndContinueProcessingExceptionHandler {
    private Counter deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        deadLetters = DeadLetterCount.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (RegistryAwareDeserializationHandler.unreachableRegistry(exception)) {
            return Response.fail();
        }
        Response r = super.handleError(context, record, exception);
        DeadLetterCount.increment(deadLetters);
        return r;
    }
}
