package dev.modelapi.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The pending answer's life: made or shared (single flight), timed out, completed once, forgotten. */
class PendingAnswersTest {

    static final EnsembleSpec SPAM = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1")),
            EnsembleMethod.SOFT, Map.of());

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    PendingAnswers answers(Duration entryTimeout, Duration requestTimeout) {
        return new PendingAnswers(1_000, entryTimeout, requestTimeout, meters);
    }

    PendingAnswers answers() {
        return answers(Duration.ofMinutes(1), Duration.ofSeconds(30));
    }

    /** A task as the cache-lookup step leaves it on a miss: keyed by its text. */
    static PredictionTask missed(String text) {
        PredictionTask task = new PredictionTask(UUID.randomUUID().toString(), 0, "http", "anonymous", text, SPAM,
                System.nanoTime());
        task.cacheKey("key:" + text);
        return task;
    }

    static EnsembleResult spam() {
        return new EnsembleResult("spam", 0.97, EnsembleMethod.SOFT, 1.0, 0.94, List.of(), List.of(), null);
    }

    double inFlightGauge() {
        return meters.get("modelapi.cache.inflight").gauge().value();
    }

    @Test
    void shouldRunOneInferenceForConcurrentIdenticalTexts() throws Exception {
        PendingAnswers pending = answers();
        int callers = 16;
        CyclicBarrier start = new CyclicBarrier(callers);
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        List<PredictionTask> tasks = new ArrayList<>();
        try {
            List<Future<PredictionTask>> claims = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                claims.add(threads.submit(() -> {
                    PredictionTask task = missed("Win a free cruise");
                    start.await(10, TimeUnit.SECONDS);
                    pending.claim(task);
                    return task;
                }));
            }
            for (Future<PredictionTask> claim : claims) {
                tasks.add(claim.get(10, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }

        List<PredictionTask> own = tasks.stream().filter(t -> !t.sharesInference()).toList();
        assertThat(own).hasSize(1);
        CompletableFuture<BatchOutcome> inference = own.get(0).pending();
        assertThat(tasks).allSatisfy(t -> assertThat(t.pending()).isSameAs(inference));
        assertThat(inFlightGauge()).isEqualTo(1.0);

        inference.complete(new BatchOutcome(spam(), 1));

        assertThat(inFlightGauge()).isZero();
        assertThat(tasks).allSatisfy(t -> assertThat(t.pending().join().result()).isEqualTo(spam()));
    }

    @Test
    void shouldGiveDifferentTextsTheirOwnAnswers() {
        PendingAnswers pending = answers();
        PredictionTask first = missed("Win a free cruise");
        PredictionTask other = missed("Minutes of Tuesday's meeting");

        pending.claim(first);
        pending.claim(other);

        assertThat(other.sharesInference()).isFalse();
        assertThat(other.pending()).isNotNull().isNotSameAs(first.pending());
        assertThat(inFlightGauge()).isEqualTo(2.0);
    }

    @Test
    void shouldHoldItsBoundWhenTheClaimReturns() {
        // the map's upkeep (eviction to the bound, removals) runs on the claiming thread as part of
        // the claim, not as a task handed to the common fork-join pool: no thread woken per text,
        // and the bound holds the moment a claim returns
        PendingAnswers pending = answers();
        for (int i = 0; i < 5_000; i++) {
            pending.claim(missed("text " + i));
            assertThat(pending.entries()).as("entries after claim %d", i).isLessThanOrEqualTo(1_000);
        }
    }

    @Test
    void shouldForgetATextWhoseInferenceFailed() {
        PendingAnswers pending = answers();
        PredictionTask first = missed("Win a free cruise");
        pending.claim(first);
        PredictionTask twin = missed("Win a free cruise");
        pending.claim(twin);
        assertThat(twin.sharesInference()).isTrue();

        first.pending().completeExceptionally(new IllegalStateException("Queue full"));

        assertThat(inFlightGauge()).isZero();
        assertThat(twin.pending()).isCompletedExceptionally();
        PredictionTask retry = missed("Win a free cruise");
        pending.claim(retry);
        assertThat(retry.sharesInference()).isFalse();
        assertThat(retry.pending()).isNotSameAs(first.pending()).isNotDone();
    }

    @Test
    void shouldStopSharingAnInferenceThatNeverCompletes() {
        PendingAnswers pending = answers(Duration.ofMillis(200), Duration.ofSeconds(30));
        PredictionTask abandoned = missed("Win a free cruise");
        pending.claim(abandoned);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            PredictionTask later = missed("Win a free cruise");
            pending.claim(later);
            assertThat(later.sharesInference()).isFalse();
            assertThat(later.pending()).isNotSameAs(abandoned.pending());
        });
    }

    @Test
    void shouldFailAnAnswerNoBatchGivesWithinTheRequestTimeout() {
        PendingAnswers pending = answers(Duration.ofMinutes(1), Duration.ofMillis(100));
        PredictionTask task = missed("Win a free cruise");
        pending.claim(task);

        CompletableFuture<BatchOutcome> future = pending.expireAfterRequestTimeout(task);

        assertThat(future).isSameAs(task.pending());
        await().atMost(Duration.ofSeconds(10)).until(future::isDone);
        assertThat(future).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(TimeoutException.class);
        assertThat(inFlightGauge()).isZero();
    }

    @Test
    void shouldGiveATextWithoutCacheKeyItsOwnAnswer() {
        PendingAnswers pending = answers();
        PredictionTask unkeyed = new PredictionTask("r", 0, "http", "anonymous", "text", SPAM, System.nanoTime());
        PredictionTask unkeyedTwin = new PredictionTask("r", 1, "http", "anonymous", "text", SPAM, System.nanoTime());

        pending.claim(unkeyed);
        pending.claim(unkeyedTwin);

        assertThat(unkeyedTwin.sharesInference()).isFalse();
        assertThat(unkeyedTwin.pending()).isNotSameAs(unkeyed.pending());
        assertThat(inFlightGauge()).isZero();
    }

    @Test
    void shouldMakeAnAnswerWhenNoSingleFlightStepRan() {
        PredictionTask task = missed("Win a free cruise");

        CompletableFuture<BatchOutcome> future = answers().expireAfterRequestTimeout(task);

        assertThat(task.pending()).isSameAs(future).isNotDone();
        assertThat(task.sharesInference()).isFalse();
    }
}
