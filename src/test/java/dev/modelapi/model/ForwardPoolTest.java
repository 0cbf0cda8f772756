package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared forward threads with strings for predictors: bounds, order, predictors held, closing. */
class ForwardPoolTest {

    private final ForwardPool<String> pool = new ForwardPool<>(2, Duration.ofSeconds(5), "forward-test");

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void shouldRunNoMoreForwardsAtOnceThanItHasThreadsWhateverTheModels() throws Exception {
        List<ForwardPool.Lane<String>> lanes = List.of(
                pool.lane("a", List.of("a0", "a1"), 100),
                pool.lane("b", List.of("b0", "b1"), 100),
                pool.lane("c", List.of("c0", "c1"), 100));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        int batches = 60;
        CountDownLatch done = new CountDownLatch(batches);
        for (int i = 0; i < batches; i++) {
            lanes.get(i % 3).submit(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                work(5);
                running.decrementAndGet();
                done.countDown();
            }, () -> { });
        }

        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(most.get()).isEqualTo(2);
        // the last batches count down before their threads put their predictors back
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.running() == 0);
        assertThat(pool.queued()).isZero();
    }

    @Test
    void shouldGiveEachRunningBatchOfAModelAPredictorOfItsOwn() throws Exception {
        ForwardPool.Lane<String> lane = pool.lane("a", List.of("p0", "p1"), 100);
        Set<String> heldNow = ConcurrentHashMap.newKeySet();
        List<String> clashes = Collections.synchronizedList(new ArrayList<>());
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(40);
        for (int i = 0; i < 40; i++) {
            lane.submit(() -> {
                String held = ForwardPool.heldOnThisThread(lane);
                seen.add(held);
                if (!heldNow.add(held)) {
                    clashes.add(held);
                }
                work(1);
                heldNow.remove(held);
                done.countDown();
            }, () -> { });
        }

        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(clashes).isEmpty();
        assertThat(seen).hasSize(40).containsOnly("p0", "p1");
        assertThat(ForwardPool.heldOnThisThread(lane)).as("outside a forward thread").isNull();
    }

    @Test
    void shouldRunEachBatchOnAThreadAtTheGivenTimeSlice() throws Exception {
        pool.threadSlice(Duration.ofMillis(30));
        ForwardPool.Lane<String> lane = pool.lane("a", List.of("a0"), 100);
        AtomicReference<Long> slice = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        lane.submit(() -> {
            slice.set(ThreadPolicy.currentSlice());
            ran.countDown();
        }, () -> { });

        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(slice.get()).as("se.slice of the forward thread, from /proc").isEqualTo(30_000_000L);
        assertThat(pool.sliced()).isEqualTo(1);
        assertThatThrownBy(() -> pool.threadSlice(Duration.ofMillis(101)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("modelapi.models.forward-slice");
        assertThatThrownBy(() -> pool.threadSlice(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldLetOtherModelsGoAheadWhileAModelHasNoFreePredictor() throws Exception {
        ForwardPool.Lane<String> slow = pool.lane("slow", List.of("s0"), 100);
        ForwardPool.Lane<String> other = pool.lane("other", List.of("o0"), 100);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowStarted = new CountDownLatch(1);
        slow.submit(() -> {
            slowStarted.countDown();
            await(release);
        }, () -> { });
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch secondSlowRan = new CountDownLatch(1);
        slow.submit(secondSlowRan::countDown, () -> { }); // queued first, but its only predictor is held
        CountDownLatch otherRan = new CountDownLatch(1);
        other.submit(otherRan::countDown, () -> { });

        assertThat(otherRan.await(10, TimeUnit.SECONDS)).as("the other model's batch ran on the free thread").isTrue();
        assertThat(secondSlowRan.getCount()).isEqualTo(1);
        assertThat(slow.queued()).isEqualTo(1);
        release.countDown();
        assertThat(secondSlowRan.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shouldRefuseABatchPastTheModelsQueueCapacityButNotAnotherModels() throws Exception {
        ForwardPool.Lane<String> full = pool.lane("full", List.of("f0"), 2);
        ForwardPool.Lane<String> other = pool.lane("other", List.of("o0"), 2);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        full.submit(() -> {
            started.countDown();
            await(release);
        }, () -> { });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        full.submit(() -> { }, () -> { });
        full.submit(() -> { }, () -> { });

        assertThatThrownBy(() -> full.submit(() -> { }, () -> { }))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("2 batches already queued");
        CountDownLatch otherRan = new CountDownLatch(1);
        other.submit(otherRan::countDown, () -> { });
        assertThat(otherRan.await(10, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        assertThat(full.drain(Duration.ofSeconds(10))).isTrue();
        assertThat(full.queued()).isZero();
    }

    @Test
    void shouldAbandonQueuedBatchesOnCloseAndWaitForTheRunningOne() throws Exception {
        ForwardPool.Lane<String> lane = pool.lane("closing", List.of("c0"), 10);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        lane.submit(() -> {
            started.countDown();
            await(release);
            finished.incrementAndGet();
        }, () -> { });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger abandoned = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            lane.submit(ran::incrementAndGet, abandoned::incrementAndGet);
        }

        assertThat(lane.close(Duration.ofMillis(100))).as("a forward still runs").isFalse();
        assertThat(abandoned.get()).isEqualTo(3);
        assertThatThrownBy(() -> lane.submit(() -> { }, () -> { })).isInstanceOf(RejectedExecutionException.class);
        release.countDown();
        assertThat(lane.close(Duration.ofSeconds(10))).isTrue();
        assertThat(finished.get()).isEqualTo(1);
        assertThat(ran.get()).isZero();
    }

    @Test
    void shouldRunEveryQueuedBatchBeforeADrainReturns() throws Exception {
        ForwardPool.Lane<String> lane = pool.lane("draining", List.of("d0", "d1"), 50);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 20; i++) {
            lane.submit(() -> {
                work(1);
                ran.incrementAndGet();
            }, () -> { });
        }

        assertThat(lane.drain(Duration.ofSeconds(30))).isTrue();
        assertThat(ran.get()).isEqualTo(20);
        assertThatThrownBy(() -> lane.submit(() -> { }, () -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void shouldKeepItsThreadWhenABatchThrows() throws Exception {
        ForwardPool<String> one = new ForwardPool<>(1, Duration.ofSeconds(5), "forward-single");
        try {
            ForwardPool.Lane<String> lane = one.lane("throws", List.of("t0"), 10);
            lane.submit(() -> {
                throw new IllegalStateException("escaped the batch's own handling");
            }, () -> { });
            CountDownLatch next = new CountDownLatch(1);
            lane.submit(next::countDown, () -> { });

            assertThat(next.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            one.close();
        }
    }

    @Test
    void shouldStartASpareForAStalledForwardSoOtherModelsStillRunAndRetireItAfter() throws Exception {
        ForwardPool<String> watched = new ForwardPool<>(2, Duration.ofMillis(100), "forward-watched");
        try {
            ForwardPool.Lane<String> hung = watched.lane("hung", List.of("h0", "h1"), 10);
            ForwardPool.Lane<String> other = watched.lane("other", List.of("o0"), 10);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch bothHung = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                hung.submit(() -> {
                    bothHung.countDown();
                    await(release);
                }, () -> { });
            }
            assertThat(bothHung.await(10, TimeUnit.SECONDS)).isTrue();
            CountDownLatch otherRan = new CountDownLatch(1);
            other.submit(otherRan::countDown, () -> { });

            assertThat(otherRan.await(10, TimeUnit.SECONDS)).as("a spare ran the other model's batch").isTrue();
            // the two forwards cross the stall limit in the same or in consecutive watchdog rounds
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(watched.stalled()).isEqualTo(2);
                assertThat(watched.threads()).isEqualTo(4);
                assertThat(watched.sparesStarted()).isEqualTo(2);
            });
            release.countDown();
            assertThat(hung.drain(Duration.ofSeconds(10))).isTrue();
            // the two that stalled leave once their forwards return
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> watched.threads() == 2);
            CountDownLatch afterwards = new CountDownLatch(4);
            for (int i = 0; i < 4; i++) {
                other.submit(afterwards::countDown, () -> { });
            }
            assertThat(afterwards.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            watched.close();
        }
    }

    @Test
    void shouldStartNoMoreSparesThanItsSize() throws Exception {
        ForwardPool<String> watched = new ForwardPool<>(1, Duration.ofMillis(50), "forward-bounded");
        try {
            ForwardPool.Lane<String> hung = watched.lane("hung", List.of("h0", "h1", "h2"), 10);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch twoHung = new CountDownLatch(2);
            for (int i = 0; i < 3; i++) {
                hung.submit(() -> {
                    twoHung.countDown();
                    await(release);
                }, () -> { });
            }
            assertThat(twoHung.await(10, TimeUnit.SECONDS)).isTrue();
            // for several watchdog rounds with both threads stalled, no third thread starts
            Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> watched.threads() == 2);
            assertThat(hung.queued()).isEqualTo(1);
            release.countDown();
            assertThat(hung.drain(Duration.ofSeconds(10))).isTrue();
        } finally {
            watched.close();
        }
    }

    @Test
    void shouldRunTheIdleTaskOnlyAfterAWhileWithoutForwardsAndAgainWhileNoneRuns() throws Exception {
        AtomicInteger idleRuns = new AtomicInteger();
        List<Integer> runningWhenIdle = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<ForwardPool<String>> self = new AtomicReference<>();
        ForwardPool<String> idle = new ForwardPool<>(2, Duration.ofSeconds(5), "forward-idle", Duration.ofSeconds(1),
                () -> {
                    idleRuns.incrementAndGet();
                    runningWhenIdle.add(self.get().running());
                });
        self.set(idle);
        try {
            ForwardPool.Lane<String> lane = idle.lane("a", List.of("a0", "a1"), 100);
            // forwards one after another, 50 ms apart against an idle time of 1 s: no idle run in between
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> idleRuns.get() >= 1);
            int before = idleRuns.get();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
            while (System.nanoTime() < end) {
                CountDownLatch ran = new CountDownLatch(1);
                lane.submit(() -> {
                    work(20);
                    ran.countDown();
                }, () -> { });
                assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
                work(50);
            }
            assertThat(idleRuns.get()).as("no idle run while forwards kept coming").isEqualTo(before);

            // a forward longer than the idle time: still not idle while it runs
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            lane.submit(() -> {
                started.countDown();
                await(release);
            }, () -> { });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> idleRuns.get() == before);
            release.countDown();

            // then idle: it runs once the idle time has passed, and again while nothing runs
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> idleRuns.get() >= before + 2);
            assertThat(runningWhenIdle).as("forwards running at each idle run").containsOnly(0);
            assertThat(idle.idleRuns()).isEqualTo(idleRuns.get());
        } finally {
            idle.close();
        }
    }

    @Test
    void shouldNeverRunAnIdleTaskWithAZeroIdleTime() throws Exception {
        AtomicInteger idleRuns = new AtomicInteger();
        ForwardPool<String> never = new ForwardPool<>(1, Duration.ofMillis(40), "forward-never-idle", Duration.ZERO,
                idleRuns::incrementAndGet);
        try {
            Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> idleRuns.get() == 0);
            assertThat(never.idleRuns()).isZero();
        } finally {
            never.close();
        }
    }

    /** A simulated forward inside a batch, taking about that long (its work, not a wait for a condition). */
    private static void work(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
