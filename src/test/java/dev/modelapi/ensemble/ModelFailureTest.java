package dev.modelapi.ensemble;

import dev.modelapi.errors.InvalidModelOutputException;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.errors.ModelUnavailableException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;

/** The reason a response and the metrics give for a model left out, from the exception Camel hands back. */
class ModelFailureTest {

    @Test
    void shouldNameTheBreakersOwnRefusals() {
        CircuitBreaker breaker = CircuitBreaker.ofDefaults("m");
        breaker.transitionToOpenState();

        assertThat(ModelFailure.of(CallNotPermittedException.createCallNotPermittedException(breaker)).reason())
                .isEqualTo(ModelFailure.CIRCUIT_OPEN);
        assertThat(ModelFailure.of(BulkheadFullException.createBulkheadFullException(Bulkhead.ofDefaults("m"))).reason())
                .isEqualTo(ModelFailure.BULKHEAD_FULL);
        assertThat(ModelFailure.of(new RejectedExecutionException("pool full")).reason())
                .isEqualTo(ModelFailure.BULKHEAD_FULL);
        assertThat(ModelFailure.of(new TimeoutException()).reason()).isEqualTo(ModelFailure.TIMEOUT);
    }

    @Test
    void shouldLookThroughWrappers() {
        Exception wrapped = new RuntimeCamelException(new ExecutionException(new InvalidModelOutputException("m gave NaN")));

        ModelFailure failure = ModelFailure.of(wrapped);

        assertThat(failure.reason()).isEqualTo(ModelFailure.INVALID_OUTPUT);
        assertThat(failure.message()).isEqualTo("m gave NaN");
        assertThat(ModelFailure.of(new RuntimeCamelException(new ModelUnavailableException("m:1 is not loaded"))).reason())
                .isEqualTo(ModelFailure.UNAVAILABLE);
    }

    @Test
    void shouldCallAnythingElseAnError() {
        ModelFailure failure = ModelFailure.of(new RuntimeCamelException(new IllegalStateException("native crash")));

        assertThat(failure.reason()).isEqualTo(ModelFailure.ERROR);
        assertThat(failure.message()).isEqualTo("IllegalStateException: native crash");
    }
}
