package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.errors.CapacityExceededException;
import dev.modelapi.errors.InferenceException;
import dev.modelapi.errors.InferenceTimeoutException;
import dev.modelapi.errors.InvalidModelOutputException;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.errors.ModelUnavailableException;
import dev.modelapi.errors.QuorumNotMetException;
import java.time.Duration;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** What each error clause's first step records, from the exception under Camel's wrappers. */
class FailuresTest {

    final Failures failures = new Failures();

    @Test
    void shouldGiveAnInvalidRequestItsOwnStatusFromUnderASplitsWrapper() {
        Exchange exchange = caught(wrapped(new InvalidRequestException(413, "text_too_large", "too long")));

        failures.invalidRequest(exchange);

        assertThat(failures.recorded(exchange)).isEqualTo(new Failure(413, "text_too_large", "too long", null));
    }

    @Test
    void shouldGiveTheClausesStatusWithTheExceptionsCodeAndMessage() {
        Exchange exchange = caught(wrapped(new InferenceTimeoutException("no answer within 1ms")));

        failures.status(exchange, 504);

        assertThat(failures.recorded(exchange))
                .isEqualTo(new Failure(504, "inference_timeout", "no answer within 1ms", null));
    }

    @Test
    void shouldTellWhenToRetryFromTheExceptionsHintOrASecond() {
        Exchange capacity = caught(new CapacityExceededException("the batch queue is full", Duration.ofSeconds(3)));
        Exchange quorum = caught(wrapped(new QuorumNotMetException("0 of 3 models answered", Duration.ofSeconds(30))));
        Exchange unloaded = caught(new ModelUnavailableException("no model is loaded"));

        failures.retryLater(capacity, 503);
        failures.retryLater(quorum, 503);
        failures.retryLater(unloaded, 503);

        assertThat(failures.recorded(capacity).retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(failures.recorded(quorum)).isEqualTo(
                new Failure(503, "quorum_not_met", "0 of 3 models answered", Duration.ofSeconds(30)));
        assertThat(failures.recorded(unloaded).retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(failures.recorded(unloaded).retryable()).isTrue();
    }

    @Test
    void shouldNeverShowTheDetailsOfAnUnexpectedFailure() {
        Exchange inference = caught(wrapped(new InvalidModelOutputException("m:1 gave P(spam) = NaN")));
        Exchange other = caught(new NullPointerException("secret detail"));

        failures.unexpected(inference);
        failures.unexpected(other);

        assertThat(failures.recorded(inference)).isEqualTo(new Failure(500, "invalid_model_output",
                "inference failed; the request id is in the service log", null));
        assertThat(failures.recorded(other).code()).isEqualTo("internal_error");
        assertThat(failures.recorded(other).message()).doesNotContain("secret");
        // the failure is logged under a request id, made when none was settled, and kept for the answer
        assertThat(other.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class)).isNotBlank();
    }

    @Test
    void shouldTreatAClauseOfTheWrongKindAsUnexpected() {
        // a route edit that sends a timeout to the invalid-request clause's step does not invent a 4xx
        Exchange exchange = caught(new InferenceTimeoutException("late"));

        failures.invalidRequest(exchange);

        assertThat(failures.recorded(exchange).status()).isEqualTo(500);
    }

    @Test
    void shouldClassifyInJavaAsTheClausesDo() {
        assertThat(failures.classify(wrapped(InvalidRequestException.badRequest("empty_text", "empty")), "r").status())
                .isEqualTo(400);
        assertThat(failures.classify(new CapacityExceededException("full", Duration.ofSeconds(2)), "r"))
                .isEqualTo(new Failure(503, "capacity_exceeded", "full", Duration.ofSeconds(2)));
        assertThat(failures.classify(new ModelUnavailableException("gone"), "r").status()).isEqualTo(503);
        assertThat(failures.classify(new InferenceTimeoutException("late"), "r").status()).isEqualTo(504);
        assertThat(failures.classify(new InferenceException("inference_failed", "boom", null), "r").status())
                .isEqualTo(500);
    }

    @Test
    void shouldClassifyAnAnswerStepReachedWithoutAClause() {
        Exchange exchange = caught(new InferenceTimeoutException("late"));

        assertThat(failures.recorded(exchange).status()).isEqualTo(504);
    }

    private static Exception wrapped(Exception e) {
        return new CamelExchangeException("Multicast processing failed for number 0", null, e);
    }

    private static Exchange caught(Exception e) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, e);
        return exchange;
    }
}
