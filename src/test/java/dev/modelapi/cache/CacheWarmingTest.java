package dev.modelapi.cache;

import static dev.modelapi.cache.Predictions.SPAM_V1;
import static dev.modelapi.cache.Predictions.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the cache warming keeps, and what it warms when a default version changes (end to end: CacheWarmingRolloutTest). */
class CacheWarmingTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    CacheWarming warming(boolean enabled, int maxTexts) {
        return new CacheWarming(new CacheWarmingProperties(enabled, 100, Duration.ofHours(1), maxTexts, 10), () -> null,
                meters);
    }

    /** A caller's text as cache-remember sees it: keyed by the cache-lookup step. */
    static PredictionTask asked(String text, EnsembleSpec ensemble) {
        PredictionTask task = task(text, ensemble);
        task.cacheKey(ensemble.key() + "|" + text);
        return task;
    }

    @Test
    void shouldWarmTheMostAskedTextsOfTheOldDefaultWithTheNewVersionInItsPlace() {
        CacheWarming warming = warming(true, 2);
        EnsembleSpec pair = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1"), new ModelRef("spam-roberta", "1")),
                EnsembleMethod.WEIGHTED, Map.of("spam-roberta", 2.0));
        for (int i = 0; i < 3; i++) {
            warming.remember(asked("asked three times", SPAM_V1));
        }
        warming.remember(asked("asked once", SPAM_V1));
        warming.remember(asked("asked twice", pair));
        warming.remember(asked("asked twice", pair));
        warming.remember(asked("another model's", Predictions.ROBERTA_V1));

        List<PredictionTask> plan = warming.plan("spam-distilbert", "1", "2");

        assertThat(plan).extracting(PredictionTask::text).containsExactly("asked three times", "asked twice");
        assertThat(plan.get(0).ensemble().models()).containsExactly(new ModelRef("spam-distilbert", "2"));
        assertThat(plan.get(1).ensemble().models())
                .containsExactly(new ModelRef("spam-distilbert", "2"), new ModelRef("spam-roberta", "1"));
        assertThat(plan.get(1).ensemble().weights()).isEqualTo(pair.weights());
        assertThat(plan).allSatisfy(task -> {
            assertThat(task.cacheWarming()).isTrue();
            assertThat(task.fromCaller()).isFalse();
        });
        assertThat(meters.get("modelapi.cache.warming.kept").gauge().value()).isEqualTo(4);
    }

    @Test
    void shouldHoldItsBoundWhenARememberReturns() {
        // the map's upkeep runs on the asking thread, not as a task handed to the common fork-join pool
        CacheWarming on = warming(true, 10);
        for (int i = 0; i < 1_000; i++) {
            on.remember(asked("text " + i, SPAM_V1));
            assertThat(on.keptNow()).as("kept after text %d", i).isLessThanOrEqualTo(100);
        }
    }

    @Test
    void shouldKeepNothingWhenOffNorTheServicesOwnTexts() {
        CacheWarming off = warming(false, 10);
        off.remember(asked("a caller's", SPAM_V1));
        assertThat(off.plan("spam-distilbert", "1", "2")).isEmpty();

        CacheWarming on = warming(true, 10);
        PredictionTask warmUp = new PredictionTask("w", 0, "http", PredictionTask.WARM_UP_PRINCIPAL, "made up", SPAM_V1,
                System.nanoTime());
        warmUp.cacheKey("k");
        on.remember(warmUp);
        on.remember(task("not yet looked up", SPAM_V1)); // no cache key: the cache-lookup step was taken out
        assertThat(on.plan("spam-distilbert", "1", "2")).isEmpty();
    }

    @Test
    void shouldWarmNothingForAVersionNoKeptTextWasAnsweredBy() {
        CacheWarming warming = warming(true, 10);
        warming.remember(asked("answered by version 1", SPAM_V1));

        assertThat(warming.plan("spam-distilbert", "3", "4")).isEmpty();
    }
}
