package dev.modelapi.batching;

import dev.modelapi.bounded.BoundedMaps;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Body;

/**
 * Every text's pending answer, from its making to its end; the one owner of that lifecycle.
 * <ul>
 *   <li>made here, by the {@code single-flight} step of routes/pipeline.camel.yaml: a text whose
 *       identical twin (same cache key: same ensemble, same normalised text) is already in flight
 *       shares the twin's answer and is not queued; any other text gets its own;</li>
 *   <li>given the request timeout here ({@link #expireAfterRequestTimeout}, from the {@code batch-job} step),
 *       so it fails by itself if no batch ever answers;</li>
 *   <li>completed by the batch ({@link BatchRunner#complete}, {@link BatchRunner#fail}) or refused by a
 *       full queue ({@link Batcher#queueFull}), exactly once;</li>
 *   <li>awaited, without a thread, by {@link BatchAwait} ({@code batch-await}), which hands the answer to
 *       the text.</li>
 * </ul>
 * The twins' map is bounded ({@code modelapi.cache.in-flight-max-entries}) and its entries expire
 * ({@code in-flight-timeout}); an entry dropped early costs a duplicate inference, never a wrong answer.
 */
public class PendingAnswers {

    private final com.github.benmanes.caffeine.cache.Cache<String, CompletableFuture<BatchOutcome>> inFlight;
    private final Duration requestTimeout;

    PendingAnswers(int maxEntries, Duration entryTimeout, Duration requestTimeout, MeterRegistry meters) {
        this.requestTimeout = requestTimeout;
        // the upkeep (eviction, the removal when an answer completes) on the writing thread, not a
        // common-pool task per write (two writes per uncached text; BoundedMaps)
        this.inFlight = BoundedMaps.upkeptByCaller()
                .maximumSize(maxEntries)
                .expireAfterWrite(entryTimeout)
                .build();
        Gauge.builder("modelapi.cache.inflight", inFlight, c -> {
                    c.cleanUp();
                    return c.estimatedSize();
                })
                .description("Distinct texts whose inference is running; identical texts wait on it")
                .register(meters);
    }

    /**
     * The {@code single-flight} step: the text shares the answer of an identical text in flight, or
     * gets its own pending answer for the batcher to complete. A text without a cache key (the
     * cache-lookup step removed from the YAML) always gets its own.
     */
    public void claim(@Body PredictionTask task) {
        CompletableFuture<BatchOutcome> own = new CompletableFuture<>();
        String key = task.cacheKey();
        if (key == null) {
            task.pending(own);
            return;
        }
        ConcurrentMap<String, CompletableFuture<BatchOutcome>> flights = inFlight.asMap();
        CompletableFuture<BatchOutcome> identical = flights.putIfAbsent(key, own);
        if (identical != null) {
            task.shareInference(identical);
            return;
        }
        own.whenComplete((outcome, failure) -> flights.remove(key, own));
        task.pending(own);
    }

    /** The map's entries now, without its upkeep first (the gauge runs it). */
    long entries() {
        return inFlight.asMap().size();
    }

    /**
     * The text's own pending answer, failing by itself once {@code request-timeout} passes; made
     * here if no {@code single-flight} step ran before.
     */
    CompletableFuture<BatchOutcome> expireAfterRequestTimeout(PredictionTask task) {
        if (task.pending() == null) {
            task.pending(new CompletableFuture<>());
        }
        return Objects.requireNonNull(task.pending())
                .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
