package dev.modelapi.cache;

import static dev.modelapi.cache.Predictions.defaults;
import static dev.modelapi.cache.Predictions.inferAndStore;
import static dev.modelapi.cache.Predictions.spam;
import static dev.modelapi.cache.Predictions.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;

/** Statistics and flushes of the prediction cache on Caffeine (on Redis: RedisPredictionCacheTest). */
class CacheOperationsTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Cache predictions = CacheConfiguration.caffeineCacheManager(defaults(),
            new IdempotencyProperties(Duration.ofHours(24), 1_000)).getCache(CacheConfiguration.PREDICTIONS);
    final PredictionCache cache = new PredictionCache(predictions, defaults(), meters);
    final CacheOperations operations = new CacheOperations(cache, CacheOperations.caffeine(predictions), defaults(), meters,
            model -> true);

    /** Answers one text by spam-distilbert:1 and one by spam-roberta:1, then asks each again (two hits). */
    void answerTwoModelsTwice() {
        for (var ensemble : java.util.List.of(Predictions.SPAM_V1, Predictions.ROBERTA_V1)) {
            PredictionTask first = task("Win a free cruise", ensemble);
            cache.lookup(first);
            inferAndStore(cache, first, ensemble == Predictions.SPAM_V1 ? spam(0.97) : Predictions.roberta(0.9));
            cache.lookup(task("Win a free cruise", ensemble));
        }
    }

    @Test
    void shouldCountEntriesHitsAndMissesInTotalAndPerModelVersion() {
        answerTwoModelsTwice();
        PredictionTask warmUp = new PredictionTask("w", 0, "http", PredictionTask.WARM_UP_PRINCIPAL, "made up",
                Predictions.SPAM_V1, System.nanoTime());
        cache.lookup(warmUp);

        CacheOperations.Statistics statistics = operations.statistics();

        assertThat(statistics.backend()).isEqualTo("caffeine");
        assertThat(statistics.entries()).isEqualTo(2);
        assertThat(statistics.hits()).isEqualTo(2);
        assertThat(statistics.misses()).as("the warm-up's lookups are not counted").isEqualTo(2);
        assertThat(statistics.hitRatio()).isEqualTo(0.5);
        assertThat(statistics.ttlSeconds()).isEqualTo(3600);
        assertThat(statistics.models()).containsExactly(
                new CacheOperations.ModelStatistics("spam-distilbert", "1", 1, 1, 1),
                new CacheOperations.ModelStatistics("spam-roberta", "1", 1, 1, 1));
    }

    @Test
    void shouldFlushOneModelVersionThenEverything() {
        answerTwoModelsTwice();

        assertThat(operations.flush("spam-roberta", "2", "ops")).isEqualTo(new CacheOperations.Flushed("model:spam-roberta:2", 0));
        assertThat(operations.flush("spam-roberta", "1", "ops")).isEqualTo(new CacheOperations.Flushed("model:spam-roberta:1", 1));

        PredictionTask roberta = task("Win a free cruise", Predictions.ROBERTA_V1);
        cache.lookup(roberta);
        PredictionTask distilbert = task("Win a free cruise", Predictions.SPAM_V1);
        cache.lookup(distilbert);
        assertThat(roberta.answered()).isFalse();
        assertThat(distilbert.answered()).isTrue();

        assertThat(operations.flush(null, null, "ops")).isEqualTo(new CacheOperations.Flushed("all", 1));
        assertThat(operations.statistics().entries()).isZero();
    }

    @Test
    void shouldFlushEveryVersionOfAModelAndForgetAnUnloadedOne() {
        answerTwoModelsTwice();

        assertThat(operations.flush("spam-distilbert", null, "ops").removed()).isEqualTo(1);
        operations.forget("spam-roberta", "", "ops"); // unload by name: every version

        assertThat(operations.statistics().entries()).isZero();
    }

    @Test
    void shouldRefuseAVersionWithoutItsModel() {
        assertThatThrownBy(() -> operations.flush(null, "1", "ops")).isInstanceOf(InvalidRequestException.class);
    }
}
