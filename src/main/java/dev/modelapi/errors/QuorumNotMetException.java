package dev.modelapi.errors;

import java.time.Duration;

/**
 * Fewer models answered than the ensemble's quorum: no answer is given. The retry hint is how
 * long an open breaker stays open.
 */
public class QuorumNotMetException extends RetryLaterException {

    public QuorumNotMetException(String message, Duration retryAfter) {
        super("quorum_not_met", message, retryAfter);
    }
}
