package dev.modelapi.ensemble;

import dev.modelapi.errors.InvalidModelOutputException;
import dev.modelapi.errors.ModelUnavailableException;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.camel.processor.ThrottlerRejectedExecutionException;

/**
 * Why a model of the ensemble gave no answer, as the response, the audit and the metrics name it.
 *
 * @param reason {@code error}, {@code timeout}, {@code circuit_open}, {@code bulkhead_full},
 *        {@code invalid_output} or {@code unavailable}
 * @param message what happened, for the service log and the 503 when the quorum is not met
 */
record ModelFailure(String reason, String message) {

    public static final String ERROR = "error";
    public static final String TIMEOUT = "timeout";
    public static final String CIRCUIT_OPEN = "circuit_open";
    public static final String BULKHEAD_FULL = "bulkhead_full";
    public static final String INVALID_OUTPUT = "invalid_output";
    public static final String UNAVAILABLE = "unavailable";

    /** The failure a model call's exception stands for (the breaker's own exceptions included). */
    public static ModelFailure of(Throwable caught) {
        Throwable cause = unwrap(caught);
        if (cause instanceof TimeoutException) {
            return new ModelFailure(TIMEOUT, "no answer within the model call's time limit");
        }
        if (cause instanceof CallNotPermittedException) {
            return new ModelFailure(CIRCUIT_OPEN, "the model's circuit breaker is open");
        }
        if (cause instanceof ThrottlerRejectedExecutionException || cause instanceof BulkheadFullException
                || cause instanceof RejectedExecutionException) {
            return new ModelFailure(BULKHEAD_FULL, "the model has as many calls in progress as it may");
        }
        if (cause instanceof InvalidModelOutputException) {
            return new ModelFailure(INVALID_OUTPUT, cause.getMessage());
        }
        if (cause instanceof ModelUnavailableException) {
            return new ModelFailure(UNAVAILABLE, cause.getMessage());
        }
        return new ModelFailure(ERROR, cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    /** Camel and CompletableFuture wrap the model's exception; the reason is in the innermost known type. */
    private static Throwable unwrap(Throwable caught) {
        Throwable current = caught;
        for (int depth = 0; depth < 10 && current != null; depth++) {
            if (current instanceof TimeoutException || current instanceof CallNotPermittedException
                    || current instanceof BulkheadFullException || current instanceof RejectedExecutionException
                    || current instanceof ThrottlerRejectedExecutionException
                    || current instanceof InvalidModelOutputException || current instanceof ModelUnavailableException) {
                return current;
            }
            if (current.getCause() == null || current.getCause() == current) {
                break;
            }
            current = current.getCause();
        }
        return current == null ? caught : current;
    }
}
