package dev.modelapi.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.errors.InferenceException;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import dev.modelapi.testsupport.RouteFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.processor.aggregate.GroupedBodyAggregationStrategy;
import org.apache.camel.util.concurrent.SynchronousExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * routes/batching.camel.yaml on its own, in a second: jobs put on seda:batch-queue as the
 * batch-submit step puts them, the real aggregator settings and batchRunner, the ensemble stubbed
 * ({@code direct:ensemble} records each batch's texts and answers each text spam, or fails the
 * batch when a text is "fail"). Batches form by ensemble and length bucket, up to the bucket's
 * limit or until max-delay (here 300 ms) passes; every job's future is completed once. The timeout
 * checker is the service's, asleep an hour once no text has reached the aggregator for 500 ms.
 */
class BatchingRoutesTest {

    static final EnsembleSpec ENSEMBLE = new EnsembleSpec(List.of(new ModelRef("spam-roberta", "1")),
            EnsembleMethod.SOFT, Map.of());
    static final EnsembleSpec OTHER = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1")),
            EnsembleMethod.SOFT, Map.of());

    RouteFiles routes;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<List<String>> batches = new CopyOnWriteArrayList<>();
    final BatchTimeoutChecker timeouts = new BatchTimeoutChecker(Duration.ofMillis(300), Duration.ofMillis(500),
            Duration.ofHours(1));

    @BeforeEach
    void load() throws Exception {
        routes = RouteFiles.of(Map.of("batchRunner", new BatchRunner(meters),
                        "bodiesAsList", new GroupedBodyAggregationStrategy(),
                        "sameThread", new SynchronousExecutorService(), "batchTimeoutChecker", timeouts),
                Map.of("modelapi.batching.queue-capacity", "100", "modelapi.batching.max-delay", "300",
                        "modelapi.batching.timeout-checker-interval", "10"),
                "batching.camel.yaml")
                .with(new RouteBuilder() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void configure() {
                        from("direct:ensemble").routeId("stub-ensemble").process(e -> {
                            List<String> texts = e.getIn().getBody(List.class);
                            batches.add(List.copyOf(texts));
                            if (texts.contains("fail")) {
                                throw new IllegalStateException("every model failed");
                            }
                            e.getIn().setBody(texts.stream().map(t -> new EnsembleResult("spam", 0.9,
                                    EnsembleMethod.SOFT, 1, 0.8, List.of(), List.of(), null)).toList());
                        });
                    }
                })
                .start();
    }

    @AfterEach
    void close() {
        routes.close();
        timeouts.shutdownNow();
    }

    static BatchJob job(String text, EnsembleSpec ensemble, int bucket, int limit) {
        return new BatchJob(text, ensemble, new CompletableFuture<>(), System.nanoTime(), SpanContext.getInvalid(),
                bucket, limit);
    }

    private List<BatchJob> submit(BatchJob... jobs) {
        for (BatchJob job : jobs) {
            routes.camel().createProducerTemplate().sendBody("seda:batch-queue?size=100", job);
        }
        return List.of(jobs);
    }

    private static BatchOutcome outcome(BatchJob job) throws Exception {
        return job.future().get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void shouldRunAFullBatchAtOnceAndGiveEveryTextItsAnswerAndTheBatchSize() throws Exception {
        List<BatchJob> jobs = submit(job("a", ENSEMBLE, 64, 3), job("b", ENSEMBLE, 64, 3), job("c", ENSEMBLE, 64, 3));

        for (BatchJob job : jobs) {
            assertThat(outcome(job).batchSize()).isEqualTo(3);
            assertThat(outcome(job).result().label()).isEqualTo("spam");
        }
        assertThat(batches).containsExactly(List.of("a", "b", "c"));
        assertThat(meters.get("modelapi.batch.size").summary().totalAmount()).isEqualTo(3);
    }

    @Test
    void shouldBatchTextsOnlyWithTheirOwnEnsembleAndLengthBucket() throws Exception {
        List<BatchJob> jobs = submit(job("short", ENSEMBLE, 16, 2), job("long", ENSEMBLE, 256, 2),
                job("other", OTHER, 16, 2), job("short too", ENSEMBLE, 16, 2));

        for (BatchJob job : jobs) {
            outcome(job);
        }
        assertThat(batches).containsExactlyInAnyOrder(List.of("short", "short too"), List.of("long"), List.of("other"));
        assertThat(outcome(jobs.get(1)).batchSize()).isEqualTo(1);
    }

    @Test
    void shouldRunAPartBatchOnceMaxDelayPasses() throws Exception {
        long started = System.nanoTime();
        BatchJob lone = submit(job("alone", ENSEMBLE, 64, 16)).get(0);

        assertThat(outcome(lone).batchSize()).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void shouldRunAPartBatchOnceMaxDelayPassesAlsoWhenTheTimeoutCheckerWasAsleep() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(timeouts::isAsleep);
        long checksAsleep = timeouts.runs();

        long started = System.nanoTime();
        BatchJob lone = submit(job("after a quiet spell", ENSEMBLE, 64, 16)).get(0);

        assertThat(outcome(lone).batchSize()).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(timeouts.runs()).as("the aggregator's checks ran on the service's checker").isGreaterThan(checksAsleep);
    }

    @Test
    void shouldFailEveryTextOfAFailedBatchWithTheBatchsError() {
        List<BatchJob> jobs = submit(job("fail", ENSEMBLE, 64, 2), job("innocent", ENSEMBLE, 64, 2));

        for (BatchJob job : jobs) {
            await().atMost(Duration.ofSeconds(5)).until(job.future()::isDone);
            assertThat(job.future()).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(InferenceException.class);
        }
        assertThat(meters.get("modelapi.batch.failed").tag("code", "inference_failed").counter().count()).isEqualTo(2);
    }

    @Test
    void shouldDropTextsWhoseCallerGaveUpAndSkipABatchLeftEmpty() throws Exception {
        BatchJob gone = job("gone", ENSEMBLE, 64, 2);
        gone.future().completeExceptionally(new TimeoutException("the request timed out"));
        BatchJob goneToo = job("gone too", ENSEMBLE, 64, 2);
        goneToo.future().completeExceptionally(new TimeoutException("the request timed out"));
        submit(gone, goneToo);
        BatchJob waiting = job("waiting", ENSEMBLE, 64, 2);
        BatchJob given = job("given up", ENSEMBLE, 64, 2);
        given.future().completeExceptionally(new TimeoutException("the request timed out"));
        submit(waiting, given);

        assertThat(outcome(waiting).batchSize()).isEqualTo(1);
        assertThat(new ArrayList<>(batches)).containsExactly(List.of("waiting"));
    }
}
