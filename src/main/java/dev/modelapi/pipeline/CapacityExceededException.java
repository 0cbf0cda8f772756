package dev.modelapi.pipeline;

import dev.modelapi.model.InferenceException;
import java.time.Duration;

/** The batcher's queue is full: the request is refused at once rather than left to wait. */
public class CapacityExceededException extends InferenceException {

    private final Duration retryAfter;

    public CapacityExceededException(String message, Duration retryAfter) {
        super("capacity_exceeded", message, null);
        this.retryAfter = retryAfter;
    }

    /** A hint for the caller's {@code Retry-After}. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
