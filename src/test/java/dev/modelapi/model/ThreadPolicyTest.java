package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.mock.env.MockEnvironment;

/**
 * The threads' scheduling policy on this (Linux) machine: SCHED_BATCH for every thread of the JVM
 * and for the threads it starts afterwards, read back from the kernel; then SCHED_OTHER again, as
 * the rest of the test JVM runs ({@code inherit} in the tests' config).
 */
class ThreadPolicyTest {

    @AfterEach
    void putTheJvmBack() {
        ThreadPolicy.setProcess(ThreadPolicy.SCHED_OTHER);
    }

    @Test
    void shouldScheduleEveryThreadAndEveryLaterThreadAsBatch() throws InterruptedException {
        assertThat(ThreadPolicy.supported()).isTrue();
        assertThat(ThreadPolicy.threadsAt(ThreadPolicy.SCHED_BATCH)).isZero();

        int set = ThreadPolicy.applyAtStart("batch");

        assertThat(set).isPositive();
        assertThat(ThreadPolicy.setAtStart()).isEqualTo(set);
        assertThat(ThreadPolicy.currentPolicy()).isEqualTo(ThreadPolicy.SCHED_BATCH);
        assertThat(ThreadPolicy.threadsAt(ThreadPolicy.SCHED_OTHER)).isZero();
        AtomicInteger later = new AtomicInteger(-2);
        Thread thread = new Thread(() -> later.set(ThreadPolicy.currentPolicy()));
        thread.start();
        thread.join();
        assertThat(later.get()).isEqualTo(ThreadPolicy.SCHED_BATCH);

        assertThat(ThreadPolicy.setProcess(ThreadPolicy.SCHED_OTHER)).isPositive();
        assertThat(ThreadPolicy.threadsAt(ThreadPolicy.SCHED_BATCH)).isZero();
        assertThat(ThreadPolicy.currentPolicy()).isEqualTo(ThreadPolicy.SCHED_OTHER);
    }

    @Test
    void shouldSetTheCallingThreadsTimeSliceAndGiveTheKernelsBack() throws InterruptedException {
        AtomicReference<long[]> slices = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            long before = ThreadPolicy.currentSlice();
            boolean set = ThreadPolicy.setSlice(20_000_000L);
            long during = ThreadPolicy.currentSlice();
            int nice = ThreadNice.current();
            boolean reset = ThreadPolicy.setSlice(0);
            slices.set(new long[] {before, set ? 1 : 0, during, reset ? 1 : 0, ThreadPolicy.currentSlice(), nice});
        });
        thread.start();
        thread.join();

        long[] s = slices.get();
        assertThat(s[0]).as("the kernel's slice").isPositive().isLessThan(20_000_000L);
        assertThat(s[1]).isEqualTo(1);
        assertThat(s[2]).isEqualTo(20_000_000L);
        assertThat(s[5]).as("the nice value kept").isZero();
        assertThat(s[3]).isEqualTo(1);
        assertThat(s[4]).isEqualTo(s[0]);
    }

    @Test
    void shouldLeaveThePolicyAsItIsWithInherit() {
        new ThreadPolicyEnvironmentPostProcessor().postProcessEnvironment(
                new MockEnvironment().withProperty(ThreadPolicy.SETTING, " Inherit "), null);

        assertThat(ThreadPolicy.threadsAt(ThreadPolicy.SCHED_BATCH)).isZero();
        assertThat(ThreadPolicy.currentPolicy()).isEqualTo(ThreadPolicy.SCHED_OTHER);
    }

    @Test
    void shouldApplyTheDefaultFromTheEnvironment() {
        new ThreadPolicyEnvironmentPostProcessor().postProcessEnvironment(new MockEnvironment(), null);

        assertThat(ThreadPolicy.currentPolicy()).isEqualTo(ThreadPolicy.SCHED_BATCH);
    }

    @Test
    void shouldRefuseAnUnknownPolicyNamingTheSetting() {
        MockEnvironment environment = new MockEnvironment().withProperty(ThreadPolicy.SETTING, "fifo");

        assertThatThrownBy(() -> new ThreadPolicyEnvironmentPostProcessor().postProcessEnvironment(environment, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("modelapi.thread-policy")
                .hasMessageContaining("'fifo'");
        assertThat(ThreadPolicy.currentPolicy()).isEqualTo(ThreadPolicy.SCHED_OTHER);
    }

    @Test
    void shouldReadAThreadsPolicyWhateverItsName() throws InterruptedException {
        AtomicInteger tid = new AtomicInteger();
        Object done = new Object();
        Thread thread = new Thread(() -> {
            tid.set(ThreadNice.currentTid());
            synchronized (done) {
                try {
                    done.wait(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "a) (b c");
        thread.start();
        while (tid.get() == 0) {
            Thread.onSpinWait();
        }
        try {
            assertThat(ThreadPolicy.policyOf(tid.get())).isEqualTo(ThreadPolicy.SCHED_OTHER);
            ThreadPolicy.setProcess(ThreadPolicy.SCHED_BATCH);
            assertThat(ThreadPolicy.policyOf(tid.get())).isEqualTo(ThreadPolicy.SCHED_BATCH);
        } finally {
            thread.interrupt();
            thread.join();
        }
        // the kernel's task outlives Java's join for a moment
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> ThreadPolicy.policyOf(tid.get()) == -1);
    }

    @Test
    void shouldDefaultToBatchInTheServicesApplicationYaml() throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        new YamlPropertySourceLoader().load("application.yaml", new FileSystemResource("src/main/resources/application.yaml"))
                .forEach(environment.getPropertySources()::addLast);

        assertThat(environment.getProperty(ThreadPolicy.SETTING)).isEqualTo(ThreadPolicy.DEFAULT);
        assertThat(ThreadPolicy.parse(ThreadPolicy.DEFAULT)).isEqualTo("batch");
    }
}
