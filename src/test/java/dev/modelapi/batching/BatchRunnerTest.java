package dev.modelapi.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.errors.InferenceException;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class BatchRunnerTest {

    static final EnsembleSpec ENSEMBLE = new EnsembleSpec(List.of(new ModelRef("m", "1")), EnsembleMethod.SOFT, Map.of());

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final BatchRunner runner = new BatchRunner(meters);
    final Exchange exchange = new DefaultExchange(new DefaultCamelContext());

    static BatchJob job(String text) {
        return new BatchJob(text, ENSEMBLE, new CompletableFuture<>());
    }

    static EnsembleResult result(String label) {
        return new EnsembleResult(label, 0.9, EnsembleMethod.SOFT, 1.0, 0.8, List.of(), List.of(), null);
    }

    @Test
    void shouldDropJobsWhoseCallerHasGivenUp() {
        BatchJob waiting = job("a");
        BatchJob timedOut = job("b");
        timedOut.future().completeExceptionally(new java.util.concurrent.TimeoutException());

        List<String> texts = runner.prepare(List.of(waiting, timedOut), exchange);

        assertThat(texts).containsExactly("a");
        assertThat(exchange.getProperty(BatchRunner.JOBS, List.class)).containsExactly(waiting);
        assertThat(exchange.getProperty(BatchRunner.ENSEMBLE)).isEqualTo(ENSEMBLE);
        assertThat(meters.get("modelapi.batch.size").summary().count()).isEqualTo(1);
        assertThat(meters.get("modelapi.batch.size").summary().totalAmount()).isEqualTo(1);
    }

    @Test
    void shouldGiveEachJobItsOwnAnswerAndTheBatchSize() throws Exception {
        BatchJob first = job("a");
        BatchJob second = job("b");

        runner.complete(List.of(result("ham"), result("spam")), List.of(first, second), exchange);

        assertThat(first.future().get()).isEqualTo(new BatchOutcome(result("ham"), 2));
        assertThat(second.future().get()).isEqualTo(new BatchOutcome(result("spam"), 2));
    }

    @Test
    void shouldFailEveryJobOfAFailedBatchWithAnInferenceError() {
        BatchJob first = job("a");
        BatchJob second = job("b");
        runner.prepare(List.of(first, second), exchange);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalStateException("model crashed"));

        runner.fail(exchange);

        for (BatchJob job : List.of(first, second)) {
            assertThatThrownBy(() -> job.future().get())
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(InferenceException.class).hasMessageContaining("model crashed");
        }
    }
}
