package dev.modelapi.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.internal.TimedScheduledExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.spi.ThreadPoolFactory;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.util.concurrent.SizedScheduledExecutorService;

/**
 * Camel's pools made by a delegate factory and measured by Micrometer's {@link ExecutorServiceMetrics}:
 * {@code executor_*} per pool, named after the pool's profile and a sequence number
 * ({@code ensemble-pool6}), as camel-micrometer's {@code InstrumentedThreadPoolFactory} names them.
 * Unlike that factory, a scheduled pool is measured by Micrometer's own timed wrapper, whose timers
 * are made once: camel-micrometer's looks its timer up in the whole meter registry
 * ({@code registry.find("executor")}) at every {@code schedule} call, and Camel's throttler schedules
 * one per request (0.8 % of the service's CPU under load in a profile of 2026-12-01). Camel hands
 * out a scheduled pool as a {@link SizedScheduledExecutorService} wrapped around the JDK's pool,
 * which Micrometer does not recognise (it logged "Failed to bind" and left out the pool's gauges):
 * the gauges are bound to the JDK pool inside, the timers to the pool Camel uses.
 */
final class MeasuredThreadPoolFactory implements ThreadPoolFactory {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final MeterRegistry meters;
    private final ThreadPoolFactory delegate;

    MeasuredThreadPoolFactory(MeterRegistry meters, ThreadPoolFactory delegate) {
        this.meters = meters;
        this.delegate = delegate;
    }

    @Override
    public ExecutorService newCachedThreadPool(ThreadFactory threads) {
        return ExecutorServiceMetrics.monitor(meters, delegate.newCachedThreadPool(threads), name("cached-pool"));
    }

    @Override
    public ExecutorService newThreadPool(ThreadPoolProfile profile, ThreadFactory threads) {
        return ExecutorServiceMetrics.monitor(meters, delegate.newThreadPool(profile, threads), name(profile.getId()));
    }

    @Override
    public ScheduledExecutorService newScheduledThreadPool(ThreadPoolProfile profile, ThreadFactory threads) {
        ScheduledExecutorService pool = delegate.newScheduledThreadPool(profile, threads);
        String name = name(profile.getId());
        if (!(pool instanceof SizedScheduledExecutorService sized)) {
            return ExecutorServiceMetrics.monitor(meters, pool, name);
        }
        new ExecutorServiceMetrics(sized.getScheduledThreadPoolExecutor(), name, Tags.empty()).bindTo(meters);
        return new TimedScheduledExecutorService(meters, sized, name, "", Tags.empty());
    }

    private static String name(String id) {
        return (id == null ? "pool" : id) + SEQUENCE.incrementAndGet();
    }
}
