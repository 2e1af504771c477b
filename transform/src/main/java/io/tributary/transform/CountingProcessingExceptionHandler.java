package io.tributary.transform;

import io.micrometer.core.instrument.Counter;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Kafka Streams' log-and-continue for a record that cannot be normalised (it goes to the dead-letter topic and
 * the partition keeps flowing), counted in {@link DeadLetterCount}; a schema registry failure fails the stream thread
 * instead, as in {@link RegistryAwareDeserializationHandler}.
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
        if (RegistryAwareDeserializationHandler.registryFailure(exception)) {
            return Response.fail(); // the registry's failure (registering an output schema, say), not the record's: see TransformApp
        }
        Response r = super.handleError(context, record, exception);
        DeadLetterCount.increment(deadLetters);
        return r;
    }
}
