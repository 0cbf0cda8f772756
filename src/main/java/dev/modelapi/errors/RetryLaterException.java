package dev.modelapi.errors;

import java.time.Duration;

/**
 * The service cannot answer now but may soon (a full queue, too few models answering): every
 * channel refuses with a hint of when to try again (over HTTP, 503 with {@code Retry-After}).
 */
public class RetryLaterException extends InferenceException {

    private final Duration retryAfter;

    public RetryLaterException(String code, String message, Duration retryAfter) {
        super(code, message, null);
        this.retryAfter = retryAfter;
    }

    /** A hint for the caller's {@code Retry-After}. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
