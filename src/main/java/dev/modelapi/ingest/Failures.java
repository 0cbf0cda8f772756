package dev.modelapi.ingest;

import dev.modelapi.errors.InferenceException;
import dev.modelapi.errors.InferenceTimeoutException;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.errors.ModelUnavailableException;
import dev.modelapi.errors.RetryLaterException;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The first step of every typed {@code onException} clause in routes/errors.camel.yaml and the
 * ingress files: the clause names the kind of failure and its status, this bean reads the
 * exception's code and message (from under Camel's wrappers, which YAML cannot reach) and records
 * the {@link Failure} on the exchange for the channel's answer step. What a status means is the
 * clause's; what the caller is told is the exception's, except for the unexpected, which are
 * logged with the request id and never shown.
 */
@Component("failures")
public class Failures {

    /** Exchange property: the {@link Failure} the error clause recorded. */
    public static final String PROPERTY = "modelapiFailure";
    /** The Retry-After of a 503 whose exception gives no hint (a model not loaded, a breaker about to close). */
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(Failures.class);

    /** {@code invalidRequest}: the caller can fix it; the exception's own 4xx (400, 404, 405, 413, 415...). */
    public void invalidRequest(Exchange exchange) {
        InvalidRequestException e = find(exchange, InvalidRequestException.class);
        record(exchange, e == null ? unexpected(caught(exchange), requestId(exchange)) : of(e, e.status(), false));
    }

    /** {@code status(*, 504)}: the exception's code and message under the status the clause names. */
    public void status(Exchange exchange, int status) {
        record(exchange, of(exchange, status, false));
    }

    /**
     * {@code retryLater(*, 503)}: as {@link #status}, with a Retry-After: the exception's hint
     * (how long the queue takes to drain, how long a breaker stays open), else a second.
     */
    public void retryLater(Exchange exchange, int status) {
        record(exchange, of(exchange, status, true));
    }

    /** {@code unexpected}: a 500, logged with the request id and the stack, never shown to the caller. */
    public void unexpected(Exchange exchange) {
        record(exchange, unexpected(caught(exchange), requestId(exchange)));
    }

    /**
     * The failure the error clause recorded, for a channel's answer step; the exchange then has a
     * request id. A route edit that calls the answer step without a typed clause before it still
     * gets an answer: the failure classified here as {@link #classify} would.
     */
    public Failure recorded(Exchange exchange) {
        Failure failure = exchange.getProperty(PROPERTY, Failure.class);
        return failure != null ? failure : classify(caught(exchange), requestId(exchange));
    }

    /**
     * The table of the YAML clauses in code, for an answer step reached without a clause: invalid
     * request its 4xx; capacity and quorum (retry later) and a model not loaded 503; a timeout 504;
     * anything else unexpected.
     */
    public Failure classify(Throwable thrown, String requestId) {
        InferenceException e = ObjectHelper.getException(InferenceException.class, thrown);
        if (e instanceof InvalidRequestException invalid) {
            return of(invalid, invalid.status(), false);
        }
        if (e instanceof RetryLaterException || e instanceof ModelUnavailableException) {
            return of(e, 503, true);
        }
        if (e instanceof InferenceTimeoutException) {
            return of(e, 504, false);
        }
        return unexpected(thrown, requestId);
    }

    /** The clause's status for the pipeline's exception under the caught one; unexpected if there is none. */
    private static Failure of(Exchange exchange, int status, boolean retryLater) {
        InferenceException e = find(exchange, InferenceException.class);
        return e == null ? unexpected(caught(exchange), requestId(exchange)) : of(e, status, retryLater);
    }

    /** The exception's code and message under a status; for a 503 also when to retry (its hint, else a second). */
    private static Failure of(InferenceException e, int status, boolean retryLater) {
        Duration hint = e instanceof RetryLaterException later ? later.retryAfter() : null;
        return new Failure(status, e.code(), e.getMessage(),
                retryLater ? (hint == null ? DEFAULT_RETRY_AFTER : hint) : null);
    }

    private static Failure unexpected(Throwable thrown, String requestId) {
        InferenceException e = ObjectHelper.getException(InferenceException.class, thrown);
        if (e != null) {
            log.error("Request {} failed: {}", requestId, e.getMessage(), e);
            return new Failure(500, e.code(), "inference failed; the request id is in the service log", null);
        }
        log.error("Request {} failed", requestId, thrown);
        return new Failure(500, "internal_error", "unexpected error; the request id is in the service log", null);
    }

    /** Keeps the failure for the channel's answer step, with a request id settled for that answer. */
    private static void record(Exchange exchange, Failure failure) {
        requestId(exchange);
        exchange.setProperty(PROPERTY, failure);
    }

    private static <T extends Throwable> T find(Exchange exchange, Class<T> type) {
        return ObjectHelper.getException(type, caught(exchange));
    }

    private static Throwable caught(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return caught != null ? caught : exchange.getException();
    }

    /** The request id to log under; one is made (and kept for the answer) if the failure came before it was settled. */
    private static String requestId(Exchange exchange) {
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        if (requestId == null) {
            requestId = HttpExchanges.newRequestId();
            exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, requestId);
        }
        return requestId;
    }
}
