package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Threads of deferred work at SCHED_IDLE on this (Linux) machine, read back from the kernel: a
 * thread that joins goes idle, a backlog at the mark takes it back to the policy it had (the test
 * JVM's SCHED_OTHER) until the backlog is down to the lower mark, and a thread that leaves gets its
 * policy back. Going back from SCHED_IDLE needs root, CAP_SYS_NICE or RLIMIT_NICE 20; without them
 * no thread is made idle at all.
 */
class IdleThreadsTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void shouldKnowWhetherAThreadMayLeaveIdleAgain() throws IOException {
        assertThat(ThreadPolicy.idleIsReversible()).isEqualTo(mayRaisePriority());
        // the probe's own thread went idle and back, and this thread was never touched
        assertThat(ThreadPolicy.currentPolicy()).isEqualTo(ThreadPolicy.SCHED_OTHER);
    }

    @Test
    void shouldIdleAJoinedThreadAndTakeItBackUnderABacklog() throws Exception {
        IdleThreads idle = new IdleThreads(true, ThreadPolicy.idleIsReversible(), 100, 10, meters);
        Worker worker = new Worker(idle);

        try {
            if (!idle.active()) {
                // no right to leave SCHED_IDLE: joining changes nothing
                assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_OTHER);
                assertThat(idle.idleNow()).isZero();
                return;
            }
            assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_IDLE);
            assertThat(idle.idleNow()).isEqualTo(1);
            assertThat(meters.get("modelapi.deferred.threads").gauge().value()).isEqualTo(1.0);

            idle.backlog(99);
            assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_IDLE);
            idle.backlog(100);
            assertThat(idle.promoted()).isTrue();
            assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_OTHER);
            assertThat(meters.get("modelapi.deferred.threads").gauge().value()).isZero();
            assertThat(meters.get("modelapi.deferred.promotions").counter().count()).isEqualTo(1.0);

            idle.backlog(11);
            assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_OTHER);
            idle.backlog(10);
            assertThat(idle.promoted()).isFalse();
            assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_IDLE);
            assertThat(meters.get("modelapi.deferred.promotions").counter().count()).isEqualTo(1.0);
        } finally {
            int policyAfterLeaving = worker.finish();
            assertThat(policyAfterLeaving).isEqualTo(ThreadPolicy.SCHED_OTHER);
            assertThat(idle.idleNow()).isZero();
        }
    }

    @Test
    void shouldJoinAThreadWhileItsPeersArePromotedAtThePolicyTheyHave() throws Exception {
        IdleThreads idle = new IdleThreads(true, ThreadPolicy.idleIsReversible(), 100, 10, meters);
        idle.backlog(500);
        Worker worker = new Worker(idle);
        try {
            assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_OTHER);
            idle.backlog(0);
            assertThat(ThreadPolicy.policyOf(worker.tid()))
                    .isEqualTo(idle.active() ? ThreadPolicy.SCHED_IDLE : ThreadPolicy.SCHED_OTHER);
        } finally {
            worker.finish();
        }
    }

    @Test
    void shouldLeaveThreadsAloneWhenNotAskedTo() throws Exception {
        IdleThreads idle = new IdleThreads(false, true, 100, 10, meters);
        Worker worker = new Worker(idle);
        try {
            assertThat(idle.active()).isFalse();
            idle.backlog(1_000);
            assertThat(idle.promoted()).isFalse();
            assertThat(ThreadPolicy.policyOf(worker.tid())).isEqualTo(ThreadPolicy.SCHED_OTHER);
            assertThat(meters.get("modelapi.deferred.threads").gauge().value()).isZero();
        } finally {
            worker.finish();
        }
    }

    @Test
    void shouldRefuseALowerMarkNotBelowTheUpperOne() {
        assertThatThrownBy(() -> new IdleThreads(true, true, 100, 100, meters))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("demoteAt (100) must be below promoteAt (100)");
    }

    /** Root, or a nice limit that allows nice 0 from SCHED_IDLE (the kernel counts it as nice 20). */
    private static boolean mayRaisePriority() throws IOException {
        boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("Uid:")).anyMatch(line -> line.split("\\s+")[2].equals("0"));
        long niceLimit = Files.readAllLines(Path.of("/proc/self/limits")).stream()
                .filter(line -> line.startsWith("Max nice priority"))
                .map(line -> line.substring("Max nice priority".length()).strip().split("\\s+")[0])
                .mapToLong(soft -> soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft)).findFirst()
                .orElse(0);
        return root || niceLimit >= 20;
    }

    /** A thread that joins, waits to be let go, leaves, and reports its policy after leaving. */
    private static final class Worker {

        private final AtomicInteger tid = new AtomicInteger();
        private final AtomicInteger policyAfterLeaving = new AtomicInteger(-2);
        private final CountDownLatch joined = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final Thread thread;

        Worker(IdleThreads idle) throws InterruptedException {
            thread = new Thread(() -> {
                tid.set(ThreadNice.currentTid());
                idle.join();
                joined.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    idle.leave();
                    policyAfterLeaving.set(ThreadPolicy.currentPolicy());
                }
            }, "idle-threads-test");
            thread.start();
            assertThat(joined.await(10, TimeUnit.SECONDS)).isTrue();
        }

        int tid() {
            return tid.get();
        }

        int finish() throws InterruptedException {
            release.countDown();
            thread.join(10_000);
            return policyAfterLeaving.get();
        }
    }
}
