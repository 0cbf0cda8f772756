package dev.modelapi.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batch aggregator's timeout checker: Camel's check once for each text that may wait, as its
 * batch may be due (texts within an interval sharing one), and every max-delay while texts come;
 * asleep (here for an hour, so that only a wake can bring the next check) once none has come for
 * keep-awake, and woken by the next text that reaches the aggregator.
 */
class BatchTimeoutCheckerTest {

    static final Duration MAX_DELAY = Duration.ofMillis(5);
    static final Duration KEEP_AWAKE = Duration.ofMillis(200);
    static final Duration IDLE = Duration.ofHours(1);

    final BatchTimeoutChecker checker = new BatchTimeoutChecker(MAX_DELAY, KEEP_AWAKE, IDLE);
    final AtomicInteger checks = new AtomicInteger();

    @AfterEach
    void stop() {
        checker.shutdownNow();
    }

    private ScheduledFuture<?> scheduleEveryMillisecond() {
        return checker.scheduleWithFixedDelay(checks::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
    }

    private void awaitAsleep() {
        await().atMost(Duration.ofSeconds(10)).until(checker::isAsleep);
    }

    @Test
    void shouldCheckEveryMaxDelayWhileTextsCome() {
        checker.textArrived();
        scheduleEveryMillisecond();

        // well within keep-awake when the machine is quiet; on a busy one the checks may fall asleep
        // first, and then the text below has to wake them
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            checker.textArrived();
            return checks.get() >= 20;
        });
        assertThat(checker.runs()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void shouldStopCheckingOnceNoTextHasComeForKeepAwake() {
        checker.textArrived();
        scheduleEveryMillisecond();

        awaitAsleep();
        int asleepAt = checks.get();

        // no check for 300 ms, while asleep for an hour
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1))
                .until(() -> checks.get() == asleepAt && checker.isAsleep());
    }

    @Test
    void shouldCheckAgainWhenATextComesWhileAsleepAndStayAwake() {
        scheduleEveryMillisecond();
        awaitAsleep();
        int asleepAt = checks.get();

        checker.textArrived();

        await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() >= asleepAt + 5);
        assertThat(checker.isAsleep()).isFalse();
    }

    @Test
    void shouldWakeEveryAggregatorsCheck() {
        AtomicInteger other = new AtomicInteger();
        scheduleEveryMillisecond();
        checker.scheduleWithFixedDelay(other::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
        awaitAsleep();
        int asleepAt = checks.get();
        int otherAsleepAt = other.get();

        checker.textArrived();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> checks.get() > asleepAt && other.get() > otherAsleepAt);
    }

    @Test
    void shouldNeverRunACheckAgainOnceItsAggregatorCancelledIt() {
        ScheduledFuture<?> check = scheduleEveryMillisecond();
        await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() > 0);

        assertThat(check.cancel(false)).isTrue();
        int cancelledAt = checks.get();
        checker.textArrived();

        // one run may have been under way when it was cancelled; none after it, for 100 ms
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1))
                .until(() -> checks.get() <= cancelledAt + 1);
        assertThat(check.isCancelled()).isTrue();
        assertThat(checker.getQueue()).as("nothing left scheduled").isEmpty();
    }

    @Test
    void shouldCheckOnceForATextAsItsBatchBecomesDueAndShareThatCheckWithTextsWithinAnInterval() {
        // no checks every max-delay (keep-awake zero): a text brings the wake's one periodic check
        // (max-delay after it) and its own (max-delay and two intervals after it), nothing else
        BatchTimeoutChecker dueOnly = new BatchTimeoutChecker(Duration.ofMillis(20), Duration.ZERO, IDLE);
        AtomicInteger ran = new AtomicInteger();
        try {
            // an interval of 50 ms: the texts below arrive well within one
            dueOnly.scheduleWithFixedDelay(ran::incrementAndGet, 0, 50, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(10)).until(dueOnly::isAsleep);
            int asleepAt = ran.get();
            long arrived = System.nanoTime();

            for (int i = 0; i < 20; i++) {
                dueOnly.textArrived();
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == asleepAt + 2);
            assertThat(Duration.ofNanos(System.nanoTime() - arrived))
                    .as("the text's check comes once its batch may be due, not before")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(120));
            // twenty texts, one check of their own: none more for 300 ms
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> ran.get() == asleepAt + 2);
        } finally {
            dueOnly.shutdownNow();
        }
    }

    @Test
    void shouldCancelTheTextsPendingChecksWithTheAggregatorsCheck() {
        BatchTimeoutChecker slow = new BatchTimeoutChecker(Duration.ofHours(1), KEEP_AWAKE, IDLE);
        AtomicInteger ran = new AtomicInteger();
        try {
            ScheduledFuture<?> check = slow.scheduleWithFixedDelay(ran::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() > 0);
            slow.textArrived();
            slow.textArrived(); // within an interval of the first: no second check
            assertThat(slow.getQueue()).as("the periodic check and the texts' one check").hasSize(2);

            assertThat(check.cancel(false)).isTrue();

            assertThat(slow.getQueue()).as("nothing left scheduled").isEmpty();
        } finally {
            slow.shutdownNow();
        }
    }

    @Test
    void shouldKeepCheckingAfterACheckFailed() {
        checker.textArrived();
        checker.scheduleWithFixedDelay(() -> {
            checks.incrementAndGet();
            throw new IllegalStateException("a check that fails every time");
        }, 0, 1, TimeUnit.MILLISECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            checker.textArrived();
            return checks.get() >= 3;
        });
    }

    @Test
    void shouldRefuseAnIdleIntervalThatWouldRunTheChecksBackToBack() {
        assertThatThrownBy(() -> new BatchTimeoutChecker(MAX_DELAY, KEEP_AWAKE, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout-checker-idle-interval");
    }

    @Test
    void shouldBeWokenAsTheStepBeforeTheAggregator() {
        scheduleEveryMillisecond();
        awaitAsleep();
        int asleepAt = checks.get();

        checker.process(new DefaultExchange(new DefaultCamelContext()));

        await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() > asleepAt);
        assertThat(checker.isAsleep()).isFalse();
    }

    @Test
    void shouldLetTheChecksRestForTextsAloneInTheirBatchAndWakeForOthers() {
        scheduleEveryMillisecond();
        awaitAsleep();
        int asleepAt = checks.get();

        // an e-mail-length text: its batch of one completes by size on arrival, no timeout to check
        for (int i = 0; i < 50; i++) {
            checker.process(exchangeOf(job(1)));
        }
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(10))
                .until(() -> checker.isAsleep() && checks.get() == asleepAt);

        // a chat-length text may wait max-delay for others to join its batch
        checker.process(exchangeOf(job(8)));
        await().atMost(Duration.ofSeconds(10)).until(() -> checks.get() > asleepAt);
        assertThat(checker.isAsleep()).isFalse();
    }

    private static BatchJob job(int batchLimit) {
        EnsembleSpec ensemble = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1")), EnsembleMethod.SOFT,
                Map.of());
        return new BatchJob("a text", ensemble, new CompletableFuture<>(), System.nanoTime(), SpanContext.getInvalid(),
                256, batchLimit);
    }

    private static DefaultExchange exchangeOf(BatchJob job) {
        DefaultExchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(job);
        return exchange;
    }
}
