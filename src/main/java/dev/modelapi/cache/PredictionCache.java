package dev.modelapi.cache;

import dev.modelapi.digest.Sha256;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cache.Cache;
import org.springframework.core.NestedExceptionUtils;

/**
 * The {@code cache-lookup} and {@code cache-store} steps: a text already answered for the same
 * ensemble is answered again without the models. A failing store (Redis down) only ever turns into a miss.
 */
public class PredictionCache {

    private static final Logger log = LoggerFactory.getLogger(PredictionCache.class);

    private final Cache answers;
    private final boolean enabled;
    private final Function<ModelRef, String> fingerprints;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    /** Per model version that took part in a lookup: {hits, misses}; as many entries as versions ever asked. */
    private final ConcurrentMap<ModelRef, LongAdder[]> byModel = new ConcurrentHashMap<>();
    private final Counter lookupErrors;
    private final Counter storeErrors;
    private final long errorLogIntervalNanos;
    private final AtomicLong nextWarningNanos = new AtomicLong(System.nanoTime());

    PredictionCache(Cache answers, CacheProperties settings, MeterRegistry meters) {
        this(answers, settings, meters, model -> "");
    }

    /**
     * @param fingerprints each loaded model version's fingerprint (the SHA-256 of its files), part of
     *     the key: answers of a version whose files changed under the same number are never reused
     */
    PredictionCache(Cache answers, CacheProperties settings, MeterRegistry meters,
            Function<ModelRef, String> fingerprints) {
        this.answers = answers;
        this.fingerprints = fingerprints;
        this.enabled = settings.enabled();
        this.errorLogIntervalNanos = settings.errorLogInterval().toNanos();
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
     * The {@code cache-lookup} step: sets the task's cache key, then answers it from the cache if
     * the same question was answered before. On a miss, the {@code single-flight} step that follows
     * (the batcher's {@code PendingAnswers}) lets identical texts in flight together share one inference.
     */
    public void lookup(PredictionTask task) {
        String key = keyOf(task);
        task.cacheKey(key);
        if (!enabled) {
            return;
        }
        EnsembleResult earlier = read(key);
        if (task.fromCaller()) { // the start-up warm-up's and the cache warming's texts are not the callers' traffic
            int outcome = earlier != null ? 0 : 1;
            (earlier != null ? hits : misses).increment();
            for (ModelRef model : task.ensemble().models()) {
                byModel.computeIfAbsent(model, m -> new LongAdder[] {new LongAdder(), new LongAdder()})[outcome]
                        .increment();
            }
        }
        if (earlier != null) {
            task.answer(earlier, true, 0);
        }
    }

    /** Lookups answered from the cache since start-up (this instance). */
    long hits() {
        return hits.sum();
    }

    /** Lookups that went on to the models since start-up (this instance). */
    long misses() {
        return misses.sum();
    }

    /** Per model version: {hits, misses} of the lookups it took part in, by model then version. */
    Map<ModelRef, long[]> lookupsByModel() {
        Map<ModelRef, long[]> counts = new TreeMap<>(Comparator.comparing(ModelRef::toString));
        byModel.forEach((model, adders) -> counts.put(model, new long[] {adders[0].sum(), adders[1].sum()}));
        return counts;
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

    /**
     * Hex SHA-256 of the ensemble's canonical key, its model versions' fingerprints (in the key's
     * order) and the normalised text: the same question to the same files, the same key.
     */
    String keyOf(PredictionTask task) {
        Objects.requireNonNull(task.ensemble(), "the ensemble is resolved before the cache lookup");
        EnsembleSpec ensemble = task.ensemble();
        StringBuilder files = new StringBuilder();
        for (ModelRef model : ensemble.sortedModels()) { // in the key's order
            files.append(files.isEmpty() ? "" : ",").append(fingerprints.apply(model));
        }
        return Sha256.hexOf(ensemble.key(), files.toString(), task.text());
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
