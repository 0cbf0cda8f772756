package dev.modelapi.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.DefaultThreadPoolFactory;
import org.junit.jupiter.api.Test;

/** Camel's pools, measured per pool by name, the scheduled ones included. */
class MeasuredThreadPoolFactoryTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final MeasuredThreadPoolFactory factory = new MeasuredThreadPoolFactory(meters, new DefaultThreadPoolFactory());

    @Test
    void shouldMeasureAPoolUnderItsProfilesNameWithItsBoundAndTheTasksItRan() throws Exception {
        ThreadPoolProfile profile = profile("ensemble-pool", 3);
        ExecutorService pool = factory.newThreadPool(profile, Executors.defaultThreadFactory());
        try {
            pool.submit(() -> { }).get(5, TimeUnit.SECONDS);
            String name = meters.get("executor.pool.max").gauge().getId().getTag("name");

            assertThat(name).startsWith("ensemble-pool");
            assertThat(meters.get("executor.pool.max").tag("name", name).gauge().value()).isEqualTo(3.0);
            assertThat(meters.get("executor").tag("name", name).timer().count()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldTimeEveryScheduledTaskOfAScheduledPoolUnderItsOwnName() throws Exception {
        ScheduledExecutorService pool = factory.newScheduledThreadPool(profile("throttle-pool", 1),
                Executors.defaultThreadFactory());
        ScheduledExecutorService other = factory.newScheduledThreadPool(profile("other-pool", 1),
                Executors.defaultThreadFactory());
        try {
            CountDownLatch ran = new CountDownLatch(3);
            for (int i = 0; i < 3; i++) {
                ScheduledFuture<?> task = pool.schedule(ran::countDown, 1, TimeUnit.MILLISECONDS);
                task.get(5, TimeUnit.SECONDS);
            }
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();

            // each scheduled pool has its own meters: a task of one is never timed as another's
            assertThat(scheduledOnce("throttle-pool")).isEqualTo(3.0);
            assertThat(scheduledOnce("other-pool")).isZero();
            assertThat(timed("throttle-pool")).isEqualTo(3);
            assertThat(timed("other-pool")).isZero();
        } finally {
            pool.shutdownNow();
            other.shutdownNow();
        }
    }

    @Test
    void shouldGiveAScheduledPoolTheGaugesOfItsBoundAndItsQueue() throws Exception {
        // Camel wraps the JDK's scheduled pool in a SizedScheduledExecutorService, which Micrometer
        // alone does not recognise: it warned "Failed to bind" and made none of these gauges
        ScheduledExecutorService pool = factory.newScheduledThreadPool(profile("throttle-pool", 2),
                Executors.defaultThreadFactory());
        try {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            pool.schedule(() -> {
                started.countDown();
                release.await();
                return null;
            }, 0, TimeUnit.MILLISECONDS);
            pool.schedule(() -> { }, 1, TimeUnit.HOURS);
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            String name = meters.find("executor.pool.core").gauges().stream().map(g -> g.getId().getTag("name"))
                    .filter(n -> n.startsWith("throttle-pool")).findFirst().orElseThrow();

            assertThat(meters.get("executor.pool.core").tag("name", name).gauge().value()).isEqualTo(1.0);
            assertThat(meters.get("executor.active").tag("name", name).gauge().value()).isEqualTo(1.0);
            assertThat(meters.get("executor.queued").tag("name", name).gauge().value()).isEqualTo(1.0);
            release.countDown();
        } finally {
            pool.shutdownNow();
        }
    }

    private static ThreadPoolProfile profile(String id, int maxThreads) {
        return new ThreadPoolProfileBuilder(id).poolSize(1).maxPoolSize(maxThreads).keepAliveTime(60L, TimeUnit.SECONDS)
                .maxQueueSize(4).build();
    }

    private double scheduledOnce(String pool) {
        return meters.find("executor.scheduled.once").counters().stream()
                .filter(c -> c.getId().getTag("name").startsWith(pool)).mapToDouble(c -> c.count()).sum();
    }

    private long timed(String pool) {
        return meters.find("executor").timers().stream()
                .filter(t -> t.getId().getTag("name").startsWith(pool)).mapToLong(t -> t.count()).sum();
    }
}
