package dev.modelapi.ingest;

import java.time.Duration;

/**
 * What went wrong, for the caller: what every channel turns into its own error answer (an HTTP
 * status and JSON error, a gRPC status, a dead letter, a line of a results file).
 *
 * @param status the HTTP status it stands for (4xx: the request is at fault and will fail again)
 * @param code a short, stable, machine-readable code such as {@code inference_timeout}
 * @param message what the caller is told; never a stack trace, never the request's text
 * @param retryAfter when to try again, for a 503; null otherwise
 */
public record Failure(int status, String code, String message, Duration retryAfter) {

    /** Whether the same request may succeed later (overload, a timeout, models or a database down). */
    public boolean retryable() {
        return status >= 500;
    }
}
