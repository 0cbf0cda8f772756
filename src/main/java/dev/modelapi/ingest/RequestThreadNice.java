package dev.modelapi.ingest;

import dev.modelapi.model.ThreadNice;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servlet container's request threads at the workers' nice value ({@link ThreadNice},
 * {@code modelapi.worker-thread-nice}, when above its default 0), set by each thread at its first
 * request. With 32 request
 * threads runnable, as a burst of cache hits makes them, the JIT compiler's one C2 thread had a
 * 33rd of the CPU: its queue grew to hundreds of methods, and the request path ran in C1's
 * profiling code for minutes (docs/performance.md). The forward threads take the same value, so
 * the workers share the cores among themselves as before, while the compilers, the collector and
 * the housekeeping threads, at the process's own nice value, come first when they have work.
 */
final class RequestThreadNice extends ValveBase {

    private static final Logger log = LoggerFactory.getLogger(RequestThreadNice.class);

    private final int nice;
    private final ThreadLocal<Boolean> applied = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final AtomicLong reniced;
    private final AtomicBoolean warned = new AtomicBoolean();

    /** @param reniced counts the threads that took {@code nice} ({@code modelapi_threads_reniced_total{pool="http"}}) */
    RequestThreadNice(int nice, AtomicLong reniced) {
        super(true);
        this.nice = nice;
        this.reniced = reniced;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        if (!applied.get()) {
            apply();
        }
        getNext().invoke(request, response);
    }

    private void apply() {
        applied.set(Boolean.TRUE);
        int now = ThreadNice.atLeast(nice);
        if (now >= nice) {
            reniced.incrementAndGet();
        } else if (warned.compareAndSet(false, true)) {
            log.info("Request threads keep the process's priority: nice values per thread are not available here");
        }
    }
}
