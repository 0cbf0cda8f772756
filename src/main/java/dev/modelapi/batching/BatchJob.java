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
 */
public record BatchJob(String text, EnsembleSpec ensemble, CompletableFuture<BatchOutcome> future, long queuedNanos,
        SpanContext trace) {

    public BatchJob(String text, EnsembleSpec ensemble, CompletableFuture<BatchOutcome> future) {
        this(text, ensemble, future, System.nanoTime(), SpanContext.getInvalid());
    }

    /** Texts with the same key may share a batch. */
    public String correlationKey() {
        return ensemble.key();
    }
}
