package dev.modelapi.cache;

/** The caches of the one cache manager, Caffeine or Redis (CacheConfiguration). */
public final class CacheNames {

    /** Answers per text and ensemble (PredictionCache). */
    public static final String PREDICTIONS = "predictions";
    /** The first answer to each HTTP {@code Idempotency-Key}, per caller, as JSON text. */
    public static final String IDEMPOTENT_ANSWERS = "idempotent-answers";

    private CacheNames() {
    }
}
