package dev.modelapi.audit;

import dev.modelapi.model.IdleThreads;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.RouteIdAware;
import org.apache.camel.spring.boot.CamelContextConfiguration;

/**
 * The audit's queue ({@code seda:audit}) and the threads that drain it. Camel makes each route's
 * consumer threads and each aggregator's timeout checker through a thread factory; for the routes
 * named in {@code modelapi.audit.writer-routes} (routes/audit.camel.yaml's {@code audit-write}, whose
 * aggregator inserts on those same threads) the factory's threads
 * join {@link IdleThreads} when they start and leave it when they end, as do the threads of the
 * audit's scheduled routes ({@link #threadFactory}). Every row made for the queue
 * reports the queue's length, which promotes the writers out of {@code SCHED_IDLE} once it backs up.
 */
final class AuditWriters implements CamelContextConfiguration, ExecutorServiceManager.ThreadFactoryListener {

    private final IdleThreads threads;
    private final Set<String> routes;
    private final String uri;
    private volatile CamelContext camel;
    private volatile SedaEndpoint queue;

    AuditWriters(IdleThreads threads, Set<String> routes, int queueCapacity) {
        this.threads = threads;
        this.routes = Set.copyOf(routes);
        // the same size as the consuming route's, or seda refuses a second endpoint on one queue
        this.uri = "seda:audit?size=" + queueCapacity;
    }

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        this.camel = camel;
        camel.getExecutorServiceManager().addThreadFactoryListener(this);
    }

    @Override
    public void afterApplicationStart(CamelContext camel) {
        // the listener is in place before any route starts its consumer
    }

    @Override
    public ThreadFactory onNewThreadFactory(Object source, ThreadFactory factory) {
        if (!threads.active() || !(source instanceof RouteIdAware owner) || owner.getRouteId() == null
                || !routes.contains(owner.getRouteId())) {
            return factory;
        }
        return work -> factory.newThread(joined(work));
    }

    /**
     * Threads named {@code name} that are audit writers too: the pool of the audit's scheduled
     * routes ({@code audit-in-memory-limit}, {@code audit-retention}: their {@code scheduler:}
     * endpoints name it as {@code scheduledExecutorService}).
     */
    ThreadFactory threadFactory(String name) {
        return work -> {
            Thread thread = new Thread(joined(work), name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private Runnable joined(Runnable work) {
        return () -> {
            threads.join();
            try {
                work.run();
            } finally {
                threads.leave();
            }
        };
    }

    /** Rows waiting in {@code seda:audit} (0 before Camel has started). */
    int queued() {
        SedaEndpoint endpoint = queue();
        return endpoint == null ? 0 : endpoint.getCurrentQueueSize();
    }

    /**
     * Moves up to {@code max} rows from the head of {@code seda:audit} into {@code rows}, oldest
     * first: the thread whose row found the queue full writes them with its own
     * ({@link AuditOverflow}).
     *
     * @return how many it moved
     */
    int drainTo(Collection<Exchange> rows, int max) {
        SedaEndpoint endpoint = queue();
        return max > 0 && endpoint != null ? endpoint.getQueue().drainTo(rows, max) : 0;
    }

    /** The queue's endpoint, or null before Camel has started. */
    private SedaEndpoint queue() {
        SedaEndpoint endpoint = queue;
        if (endpoint == null) {
            CamelContext context = camel;
            if (context == null || !context.isStarted()) {
                return null;
            }
            endpoint = context.getEndpoint(uri, SedaEndpoint.class);
            queue = endpoint;
        }
        return endpoint;
    }

    /** A row is about to be queued: the writers' backlog as it stands. */
    void rowQueued() {
        if (threads.active()) {
            threads.backlog(queued());
        }
    }
}
