package io.tributary.transform;

import io.tributary.schemas.registry.RegistryException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * A record that cannot be decoded goes to the dead-letter topic and the stream goes on, as with Kafka
 * Streams' LogAndContinue handler, except when the reason is the schema registry (unreachable, or any
 * error answer, an unknown schema id included: see {@link RegistryException}): that record is fine, so the
 * stream thread fails instead of skipping it, and {@link TransformApp} replaces the thread after a backoff,
 * which resumes from the last committed offset, until the registry has failed for {@code registry.retry-for}.
 * Dead letters are counted in {@link DeadLetterCount}.
 */
public final class RegistryAwareDeserializationHandler extends LogAndContinueExceptionHandler {
    private io.micrometer.core.instrument.Counter deadLetters;

    @Override
    public void configure(java.util.Map<String, ?> configs) {
        super.configure(configs);
        deadLetters = DeadLetterCount.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (registryFailure(exception)) {
            return Response.fail();
        }
        Response r = super.handleError(context, record, exception);
        DeadLetterCount.increment(deadLetters);
        return r;
    }

    static boolean registryFailure(Throwable e) {
        return RegistryException.in(e).isPresent();
    }
}
