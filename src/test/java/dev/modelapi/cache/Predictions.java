package dev.modelapi.cache;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.pipeline.PredictionTask;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test data for the cache tests: tasks, ensembles and answers. */
final class Predictions {

    static final EnsembleSpec SPAM_V1 = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1")),
            EnsembleMethod.SOFT, Map.of());
    static final EnsembleSpec SPAM_V2 = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "2")),
            EnsembleMethod.SOFT, Map.of());

    static final EnsembleSpec ROBERTA_V1 = new EnsembleSpec(List.of(new ModelRef("spam-roberta", "1")),
            EnsembleMethod.SOFT, Map.of());

    private Predictions() {
    }

    static PredictionTask task(String text, EnsembleSpec ensemble) {
        return new PredictionTask(UUID.randomUUID().toString(), 0, "http", "anonymous", text, ensemble,
                System.nanoTime());
    }

    static PredictionTask task(String text) {
        return task(text, SPAM_V1);
    }

    static EnsembleResult spam(double score) {
        return new EnsembleResult("spam", score, EnsembleMethod.SOFT, 1.0, 2 * score - 1,
                List.of(new ModelVote("spam-distilbert", "1", "spam", Map.of("spam", score, "ham", 1 - score))),
                List.of(), null);
    }

    static EnsembleResult roberta(double score) {
        return new EnsembleResult("spam", score, EnsembleMethod.SOFT, 1.0, 2 * score - 1,
                List.of(new ModelVote("spam-roberta", "1", "spam", Map.of("spam", score, "ham", 1 - score))),
                List.of(), null);
    }

    static CacheProperties settings(Duration ttl, boolean enabled) {
        return new CacheProperties(ttl, 1_000, enabled, Duration.ofMinutes(1));
    }

    static CacheProperties defaults() {
        return settings(Duration.ofHours(1), true);
    }

    /** What the batcher and the route do for a task that ran its own inference. */
    static void inferAndStore(PredictionCache cache, PredictionTask task, EnsembleResult result) {
        task.answer(result, false, 4);
        cache.store(task);
    }
}
