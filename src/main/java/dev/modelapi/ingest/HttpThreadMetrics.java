package dev.modelapi.ingest;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.context.ApplicationListener;

/**
 * The servlet container's request threads as gauges: Tomcat's pool is bounded by
 * {@code server.tomcat.threads.max}, and Spring Boot measures it only through the MBean registry it
 * leaves off. Its own executor, not a {@code java.util.concurrent} one, so Micrometer's executor
 * metrics cannot read it.
 */
final class HttpThreadMetrics implements ApplicationListener<WebServerInitializedEvent> {

    private static final String THREADS = "The servlet container's request threads running a request (busy) or started and waiting (idle)";

    private final MeterRegistry meters;

    HttpThreadMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (event.getWebServer() instanceof TomcatWebServer server
                && server.getTomcat().getConnector().getProtocolHandler().getExecutor() instanceof ThreadPoolExecutor pool) {
            bind(pool, meters);
        }
    }

    static void bind(ThreadPoolExecutor pool, MeterRegistry meters) {
        Gauge.builder("modelapi.http.threads", pool, ThreadPoolExecutor::getActiveCount).tag("state", "busy")
                .description(THREADS)
                .register(meters);
        Gauge.builder("modelapi.http.threads", pool, p -> Math.max(0, p.getPoolSize() - p.getActiveCount()))
                .tag("state", "idle")
                .description(THREADS)
                .register(meters);
        Gauge.builder("modelapi.http.threads.max", pool, ThreadPoolExecutor::getMaximumPoolSize)
                .description("The most request threads the servlet container starts (server.tomcat.threads.max)")
                .register(meters);
        Gauge.builder("modelapi.http.threads.queued", pool, p -> p.getQueue().size())
                .description("Requests the servlet container has read from a connection and that wait for a free request thread")
                .register(meters);
    }
}
