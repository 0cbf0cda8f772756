package dev.modelapi.cache;

import dev.modelapi.digest.Sha256;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cache.Cache;
import org.springframework.core.NestedExceptionUtils;

/**
 * The {@code cache-lookup} and {@code cache-store} steps: a text already answered for the same
 * ensemble is answered again without the models, and identical texts in flight together run the
 * models once. A failing store (Redis down) only ever turns into a miss.
 */
public class PredictionCache {

    private static final Logger log = LoggerFactory.getLogger(PredictionCache.class);

    private final Cache answers;
    private final boolean enabled;
    /**
     * Normally no larger than the batcher's queue plus the batches running, since the batcher completes
     * every future within its request timeout; the explicit bound and expiry guard against a future
     * nobody completes. An entry dropped early costs a duplicate inference, never a wrong answer.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, CompletableFuture<BatchOutcome>> inFlight;
    private final Counter lookupErrors;
    private final Counter storeErrors;
    private final long errorLogIntervalNanos;
    private final AtomicLong nextWarningNanos = new AtomicLong(System.nanoTime());

    PredictionCache(Cache answers, CacheProperties settings, MeterRegistry meters) {
        this.answers = answers;
        this.enabled = settings.enabled();
        this.inFlight = Caffeine.newBuilder()
                .maximumSize(settings.inFlightMaxEntries())
                .expireAfterWrite(settings.inFlightTimeout())
                .build();
        this.errorLogIntervalNanos = settings.errorLogInterval().toNanos();
        Gauge.builder("modelapi.cache.inflight", inFlight, c -> {
                    c.cleanUp();
                    return c.estimatedSize();
                })
                .description("Distinct texts whose inference is running; identical texts wait on it")
                .register(meters);
        this.lookupErrors = errorCounter(meters, "lookup");
        this.storeErrors = errorCounter(meters, "store");
    }

    private static Counter errorCounter(MeterRegistry meters, String operation) {
        return Counter.builder("modelapi.cache.errors")
                .description("Cache store failures, each answered as a miss")
                .tag("operation", operation)
                .register(meters);
    }

    /**
     * Sets the task's cache key, then answers it from the cache, or makes it wait for an identical
     * text already in flight, or gives it a fresh future for the batcher to complete.
     */
    public void lookup(PredictionTask task) {
        String key = keyOf(task);
        task.cacheKey(key);
        EnsembleResult earlier = enabled ? read(key) : null;
        if (earlier != null) {
            task.answer(earlier, true, 0);
            return;
        }
        CompletableFuture<BatchOutcome> own = new CompletableFuture<>();
        ConcurrentMap<String, CompletableFuture<BatchOutcome>> flights = inFlight.asMap();
        CompletableFuture<BatchOutcome> identical = flights.putIfAbsent(key, own);
        if (identical != null) {
            task.shareInference(identical);
            return;
        }
        own.whenComplete((outcome, failure) -> flights.remove(key, own));
        task.pending(own);
    }

    /** Keeps the answer of a task whose own inference produced it; shared and cached answers are already known. */
    public void store(PredictionTask task) {
        String key = task.cacheKey();
        // A degraded answer is not kept: once the failed model is back, the same text gets the full ensemble.
        // Nor are the start-up warm-up's answers: its texts are made up, and a Redis shared by several
        // instances would otherwise answer the next instance's warm-up without running its models.
        if (!enabled || key == null || !task.answered() || task.cached() || task.sharesInference()
                || task.result().degraded() || task.warmUp()) {
            return;
        }
        try {
            answers.put(key, task.result());
        } catch (RuntimeException e) {
            failed("store", storeErrors, e);
        }
    }

    /** Hex SHA-256 of the ensemble's canonical key and the normalised text: the same question, the same key. */
    static String keyOf(PredictionTask task) {
        Objects.requireNonNull(task.ensemble(), "the ensemble is resolved before the cache lookup");
        return Sha256.hexOf(task.ensemble().key(), task.text());
    }

    private EnsembleResult read(String key) {
        try {
            return answers.get(key, EnsembleResult.class);
        } catch (RuntimeException e) {
            failed("lookup", lookupErrors, e);
            return null;
        }
    }

    private void failed(String operation, Counter errors, RuntimeException e) {
        errors.increment();
        long now = System.nanoTime();
        long next = nextWarningNanos.get();
        if (now - next >= 0 && nextWarningNanos.compareAndSet(next, now + errorLogIntervalNanos)) {
            log.warn("Prediction cache {} failed, answering as a miss (warned at most once per {}; "
                    + "see counter modelapi.cache.errors): {}", operation, Duration.ofNanos(errorLogIntervalNanos),
                    NestedExceptionUtils.getMostSpecificCause(e).toString());
        } else {
            log.debug("Prediction cache {} failed", operation, e);
        }
    }
}
