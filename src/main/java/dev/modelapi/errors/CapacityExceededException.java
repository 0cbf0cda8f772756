package dev.modelapi.errors;

import java.time.Duration;

/** The batcher's queue is full: the request is refused at once rather than left to wait. */
public class CapacityExceededException extends RetryLaterException {

    public CapacityExceededException(String message, Duration retryAfter) {
        super("capacity_exceeded", message, retryAfter);
    }
}
