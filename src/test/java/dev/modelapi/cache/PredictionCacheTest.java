package dev.modelapi.cache;

import static dev.modelapi.cache.Predictions.SPAM_V1;
import static dev.modelapi.cache.Predictions.SPAM_V2;
import static dev.modelapi.cache.Predictions.defaults;
import static dev.modelapi.cache.Predictions.inferAndStore;
import static dev.modelapi.cache.Predictions.settings;
import static dev.modelapi.cache.Predictions.spam;
import static dev.modelapi.cache.Predictions.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;
import org.springframework.cache.concurrent.ConcurrentMapCache;

class PredictionCacheTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private PredictionCache cacheWith(CacheProperties settings) {
        Cache predictions = CacheConfiguration.caffeineCacheManager(settings,
                new IdempotencyProperties(Duration.ofHours(24), 1_000)).getCache(CacheConfiguration.PREDICTIONS);
        return new PredictionCache(predictions, settings, meters);
    }

    @Test
    void shouldKeyBySha256OfEnsembleKeyModelFilesAndText() throws Exception {
        PredictionTask task = task("Win a free cruise");
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((SPAM_V1.key() + "\u0000" + "files-of-" + SPAM_V1.models().get(0) + "\u0000" + "Win a free cruise")
                        .getBytes(StandardCharsets.UTF_8));
        Cache predictions = CacheConfiguration.caffeineCacheManager(defaults(),
                new IdempotencyProperties(Duration.ofHours(24), 1_000)).getCache(CacheConfiguration.PREDICTIONS);

        new PredictionCache(predictions, defaults(), meters, model -> "files-of-" + model).lookup(task);

        assertThat(task.cacheKey()).isEqualTo(HexFormat.of().formatHex(digest)).hasSize(64);
    }

    @Test
    void shouldJoinTheFilesOfSeveralModelsInTheKeysOrderWhateverTheRequestsOrder() throws Exception {
        EnsembleSpec pair = new EnsembleSpec(List.of(new ModelRef("spam-roberta", "2"), new ModelRef("spam-distilbert", "1")),
                EnsembleMethod.SOFT, Map.of());
        PredictionTask task = new PredictionTask("r", 0, "http", "anonymous", "Win a free cruise", pair, 0);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(("spam-distilbert:1,spam-roberta:2|soft" + "\u0000"
                + "files-of-spam-distilbert:1,files-of-spam-roberta:2" + "\u0000" + "Win a free cruise")
                .getBytes(StandardCharsets.UTF_8));
        Cache predictions = CacheConfiguration.caffeineCacheManager(defaults(),
                new IdempotencyProperties(Duration.ofHours(24), 1_000)).getCache(CacheConfiguration.PREDICTIONS);

        new PredictionCache(predictions, defaults(), meters, model -> "files-of-" + model).lookup(task);

        assertThat(task.cacheKey()).isEqualTo(HexFormat.of().formatHex(digest));
    }

    @Test
    void shouldMissOnceAVersionsFilesChangeUnderTheSameNumber() {
        Cache predictions = CacheConfiguration.caffeineCacheManager(defaults(),
                new IdempotencyProperties(Duration.ofHours(24), 1_000)).getCache(CacheConfiguration.PREDICTIONS);
        java.util.concurrent.atomic.AtomicReference<String> files = new java.util.concurrent.atomic.AtomicReference<>("old");
        PredictionCache cache = new PredictionCache(predictions, defaults(), meters, model -> files.get());
        PredictionTask first = task("Win a free cruise");
        cache.lookup(first);
        inferAndStore(cache, first, spam(0.97));

        files.set("new"); // spam-distilbert:1 reloaded from other files
        PredictionTask again = task("Win a free cruise");
        cache.lookup(again);

        assertThat(again.answered()).isFalse();
        files.set("old");
        PredictionTask old = task("Win a free cruise");
        cache.lookup(old);
        assertThat(old.answered()).isTrue();
    }

    @Test
    void shouldAnswerFromCacheAfterStore() {
        PredictionCache cache = cacheWith(defaults());
        PredictionTask first = task("Win a free cruise");
        cache.lookup(first);
        inferAndStore(cache, first, spam(0.97));

        PredictionTask again = task("Win a free cruise");
        cache.lookup(again);

        assertThat(again.answered()).isTrue();
        assertThat(again.cached()).isTrue();
        assertThat(again.batchSize()).isZero();
        assertThat(again.result()).isEqualTo(spam(0.97));
    }

    @Test
    void shouldMissForAnotherEnsemble() {
        PredictionCache cache = cacheWith(defaults());
        PredictionTask first = task("Win a free cruise", SPAM_V1);
        cache.lookup(first);
        inferAndStore(cache, first, spam(0.97));

        PredictionTask otherVersion = task("Win a free cruise", SPAM_V2);
        cache.lookup(otherVersion);

        assertThat(otherVersion.answered()).isFalse();
        assertThat(otherVersion.cacheKey()).isNotEqualTo(first.cacheKey());
    }

    @Test
    void shouldMissForAnotherText() {
        PredictionCache cache = cacheWith(defaults());
        PredictionTask first = task("Win a free cruise");
        cache.lookup(first);
        inferAndStore(cache, first, spam(0.97));

        PredictionTask otherText = task("Minutes of Tuesday's meeting");
        cache.lookup(otherText);

        assertThat(otherText.answered()).isFalse();
    }

    @Test
    void shouldExpireAfterTtl() {
        PredictionCache cache = cacheWith(settings(Duration.ofMillis(500), true));
        PredictionTask first = task("Win a free cruise");
        cache.lookup(first);
        inferAndStore(cache, first, spam(0.97));
        PredictionTask soon = task("Win a free cruise");
        cache.lookup(soon);
        assertThat(soon.answered()).isTrue();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            PredictionTask later = task("Win a free cruise");
            cache.lookup(later);
            assertThat(later.answered()).isFalse();
        });
    }

    @Test
    void shouldIgnoreStoreWithoutCacheKey() {
        PredictionCache cache = cacheWith(defaults());
        PredictionTask unkeyed = task("Win a free cruise");
        unkeyed.answer(spam(0.97), false, 1);

        cache.store(unkeyed);

        PredictionTask later = task("Win a free cruise");
        cache.lookup(later);
        assertThat(later.answered()).isFalse();
    }

    @Test
    void shouldNeverHitWhenDisabled() {
        PredictionCache cache = cacheWith(settings(Duration.ofHours(1), false));
        PredictionTask first = task("Win a free cruise");
        cache.lookup(first);
        inferAndStore(cache, first, spam(0.97));

        PredictionTask later = task("Win a free cruise");
        cache.lookup(later);

        assertThat(later.answered()).isFalse();
        assertThat(later.cacheKey()).isEqualTo(first.cacheKey());
    }

    @Test
    void shouldNotStoreAnswersSharedWithAnIdenticalText() {
        PredictionCache cache = cacheWith(defaults());
        PredictionTask twin = task("Win a free cruise");
        cache.lookup(twin);
        twin.shareInference(new CompletableFuture<>());
        twin.answer(spam(0.97), false, 2);

        cache.store(twin);

        PredictionTask later = task("Win a free cruise");
        cache.lookup(later);
        assertThat(later.answered()).isFalse();
    }

    @Test
    void shouldNotStoreTheWarmUpsAnswers() {
        PredictionCache cache = cacheWith(defaults());
        PredictionTask warmUp = new PredictionTask("warm", 0, "http", PredictionTask.WARM_UP_PRINCIPAL,
                "Win a free cruise", SPAM_V1, System.nanoTime());
        cache.lookup(warmUp);
        inferAndStore(cache, warmUp, spam(0.97));

        PredictionTask later = task("Win a free cruise");
        cache.lookup(later);
        assertThat(later.answered()).isFalse();
    }

    @Test
    void shouldAnswerAsMissAndCountWhenTheStoreFails() {
        CacheProperties settings = defaults();
        PredictionCache cache = new PredictionCache(new BrokenCache(), settings, meters);
        PredictionTask task = task("Win a free cruise");

        cache.lookup(task);
        inferAndStore(cache, task, spam(0.97));

        assertThat(task.answered()).isTrue();
        assertThat(task.cached()).isFalse();
        assertThat(meters.get("modelapi.cache.errors").tag("operation", "lookup").counter().count()).isEqualTo(1);
        assertThat(meters.get("modelapi.cache.errors").tag("operation", "store").counter().count()).isEqualTo(1);
    }

    /** A backing store that is down, the way a failing Redis cache surfaces to Spring's cache abstraction. */
    private static final class BrokenCache extends ConcurrentMapCache {

        BrokenCache() {
            super(CacheConfiguration.PREDICTIONS);
        }

        @Override
        protected Object lookup(Object key) {
            throw new IllegalStateException("store down");
        }

        @Override
        public void put(Object key, Object value) {
            throw new IllegalStateException("store down");
        }
    }
}
