package dev.modelapi.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.ResourceReload;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Which route file's last reload failed, why and since when, until an edit of it reloads cleanly.
 * Camel's route watcher logs a failed reload and keeps the routes it had, so the service goes on
 * serving the last good routes, but nothing else showed that an edit did not take. This wraps the
 * watcher's reload callback once Camel has started: health indicator {@code routeFiles} (status UP
 * either way, since the old routes serve; its details list the failing files), metrics
 * {@code modelapi_routes_reloads_total{outcome}} and, per file that ever failed,
 * {@code modelapi_routes_reload_failing{file}} (1 while its last reload failed) and
 * {@code modelapi_routes_reload_failing_since_seconds{file}} (when it started failing, epoch seconds;
 * 0 when it is not).
 */
@Component("routeFiles")
class RouteFileReloads implements HealthIndicator, CamelContextConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RouteFileReloads.class);

    /** Why a file's last reload failed, and since when its reloads have been failing. */
    public record Failure(String reason, Instant since) {
    }

    private final MeterRegistry meters;
    private final Clock clock;
    private final Map<String, Failure> failing = new ConcurrentHashMap<>();
    private final Set<String> measured = ConcurrentHashMap.newKeySet();
    private final Counter reloaded;
    private final Counter failed;

    public RouteFileReloads(MeterRegistry meters) {
        this.meters = meters;
        this.clock = Clock.systemUTC();
        this.reloaded = reloads("ok");
        this.failed = reloads("failed");
    }

    private Counter reloads(String outcome) {
        return Counter.builder("modelapi.routes.reloads").tag("outcome", outcome)
                .description("Route file reloads after an edit, by outcome (a failed one leaves the old routes serving)")
                .register(meters);
    }

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        // the watcher sets its callback when it starts, with the context
    }

    @Override
    public void afterApplicationStart(CamelContext camel) {
        RouteWatcherReloadStrategy watcher = camel.hasService(RouteWatcherReloadStrategy.class);
        if (watcher == null || watcher.getResourceReload() == null) {
            return; // reload off (camel.main.routes-reload-enabled)
        }
        ResourceReload reload = watcher.getResourceReload();
        watcher.setResourceReload((name, resource) -> {
            int failedBefore = watcher.getFailedCounter();
            try {
                reload.onReload(name, resource);
            } catch (Exception e) {
                failedReload(fileOf(name, resource), reasonOf(e)); // the watcher logs it with its stack trace
                throw e;
            }
            if (watcher.getFailedCounter() > failedBefore) {
                failedReload(fileOf(name, resource), reasonOf(watcher.getLastError()));
            } else {
                reloaded(fileOf(name, resource));
            }
        });
    }

    /** The error's first line, at most 500 characters (a YAML error may go on for a page). */
    private static String reasonOf(Exception error) {
        if (error == null || error.getMessage() == null) {
            return error == null ? "unknown" : error.getClass().getSimpleName();
        }
        String first = error.getMessage().lines().findFirst().orElse("").strip();
        return first.length() > 500 ? first.substring(0, 500) + "..." : first;
    }

    private static String fileOf(String name, Resource resource) {
        String location = resource != null && resource.getLocation() != null ? resource.getLocation() : name;
        int slash = Math.max(location.lastIndexOf('/'), location.lastIndexOf('\\'));
        return location.substring(slash + 1);
    }

    /** A reload of {@code file} failed: the routes it had keep serving. */
    void failedReload(String file, String reason) {
        failed.increment();
        Failure before = failing.get(file);
        failing.put(file, new Failure(reason, before != null ? before.since() : clock.instant()));
        measure(file);
        log.debug("Route file {} did not reload ({}); its previous routes keep serving", file, reason);
    }

    /** {@code file} reloaded cleanly: whatever failed before is replaced. */
    void reloaded(String file) {
        reloaded.increment();
        if (failing.remove(file) != null) {
            log.info("Route file {} reloaded cleanly; its earlier failed reload is replaced", file);
        }
    }

    private void measure(String file) {
        if (measured.add(file)) {
            Gauge.builder("modelapi.routes.reload.failing", failing, f -> f.containsKey(file) ? 1 : 0).tag("file", file)
                    .description("1 while the file's last reload failed (its previous routes serve)").register(meters);
            Gauge.builder("modelapi.routes.reload.failing.since", failing,
                            f -> f.containsKey(file) ? f.get(file).since().getEpochSecond() : 0)
                    .tag("file", file).baseUnit("seconds")
                    .description("When the file's reloads started failing (epoch seconds); 0 when they are not")
                    .register(meters);
        }
    }

    /** The files whose last reload failed, by name. */
    public Map<String, Failure> failing() {
        return new TreeMap<>(failing);
    }

    @Override
    public Health health() {
        Map<String, Object> files = new LinkedHashMap<>();
        failing().forEach((file, failure) -> files.put(file, Map.of("reason", failure.reason(),
                "since", failure.since().toString())));
        Health.Builder health = Health.up().withDetail("failedReloads", files);
        if (!files.isEmpty()) {
            health.withDetail("note", "the previous routes of these files keep serving until an edit reloads cleanly");
        }
        return health.build();
    }
}
