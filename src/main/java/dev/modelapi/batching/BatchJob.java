package dev.modelapi.batching;

import io.opentelemetry.api.trace.SpanContext;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import java.util.concurrent.CompletableFuture;

/**
 * One text waiting in the batcher. The batch completes {@code future} exactly once: with the
 * answer, with the batch's error, or by the request timeout that the batcher set on it.
 *
 * @param text the sanitised text
 * @param ensemble the models and vote: the batch's correlation key, so one batch runs one ensemble
 * @param future completed by the batch
 * @param queuedNanos when it was queued ({@link System#nanoTime()}), for the queue-wait metric
 * @param trace the request's span when it was queued (invalid without tracing), so that its trace
 *        can point at the batch that answered it
 * @param lengthBucket the text's estimated length in tokens, rounded up to a power of two: texts
 *        of one bucket share a batch, so a batch pads little
 * @param batchLimit the most texts a batch of this bucket holds (its size limit in tokens over the bucket)
 */
public record BatchJob(String text, EnsembleSpec ensemble, CompletableFuture<BatchOutcome> future, long queuedNanos,
        SpanContext trace, int lengthBucket, int batchLimit) {

    public BatchJob(String text, EnsembleSpec ensemble, CompletableFuture<BatchOutcome> future) {
        this(text, ensemble, future, System.nanoTime(), SpanContext.getInvalid(), 1, Integer.MAX_VALUE);
    }

    /** Texts with the same key may share a batch: one ensemble and one length bucket. */
    public String correlationKey() {
        return ensemble.key() + "/" + lengthBucket;
    }
}
