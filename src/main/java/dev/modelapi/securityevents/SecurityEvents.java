package dev.modelapi.securityevents;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.modelapi.bounded.BoundedMaps;
import dev.modelapi.digest.Sha256;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records security events (bean {@code securityEvents}): counts each by kind and reason, logs it on
 * the logger {@value #LOGGER}, watches for bursts of refusals from one source, and hands it to the
 * audit's queue. Recording never fails or waits: an event the queue has no room for is dropped
 * and counted ({@code modelapi_security_events_dropped_total}). A key is never kept or logged, only
 * its {@link #keyId}.
 */
public class SecurityEvents {

    /** The logger of security events, for operators to route on its own. */
    public static final String LOGGER = "dev.modelapi.securityevents";
    /** Exchange property an admin route sets to the command it runs: a {@link Reason} of kind command, as its wire name. */
    public static final String COMMAND_PROPERTY = "securityCommand";
    private static final String ASKED_PROPERTY = "securityCommandAsked";
    private static final String DETAIL_PROPERTY = "securityCommandDetail";
    /** The header of the client's address the key filter passes on to the routes. */
    public static final String CLIENT_HEADER = "X-ModelApi-Client";

    private static final Logger log = LoggerFactory.getLogger(LOGGER);
    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    private final Consumer<SecurityEvent> sink;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Counter dropped;
    private final Counter bursts;
    private final int burstRefusals;
    private final long burstWindowNanos;
    private final Duration burstWindow;
    private final Ticker ticker;
    private final Cache<String, Window> refusalsBySource;

    /**
     * @param sink where events go (the audit's queue); it may throw when full, and the event is dropped
     */
    public SecurityEvents(Consumer<SecurityEvent> sink, SecurityEventsProperties settings, MeterRegistry meters,
            Clock clock, Ticker ticker) {
        this.sink = sink;
        this.clock = clock;
        this.meters = meters;
        this.ticker = ticker;
        this.burstRefusals = settings.burstRefusals();
        this.burstWindow = settings.burstWindow();
        this.burstWindowNanos = settings.burstWindow().toNanos();
        this.refusalsBySource = BoundedMaps.upkeptByCaller().maximumSize(settings.trackedSources())
                .expireAfterAccess(settings.burstWindow().multipliedBy(2)).ticker(ticker).build();
        this.dropped = Counter.builder("modelapi.security.events.dropped")
                .description("Security events not stored: the queue to the audit database was full")
                .register(meters);
        this.bursts = Counter.builder("modelapi.security.refusal.bursts")
                .description("Sources (key holder, key or address) refused at least burst-refusals times within burst-window")
                .register(meters);
        Gauge.builder("modelapi.security.tracked.sources", refusalsBySource, sources -> sources.estimatedSize())
                .description("Sources whose refusals are being counted for bursts; bounded by tracked-sources")
                .register(meters);
        Gauge.builder("modelapi.security.burst.sources", this, SecurityEvents::sourcesInBurst)
                .description("Sources whose refusals within the current burst-window reached burst-refusals")
                .register(meters);
    }

    /**
     * A refused request.
     *
     * @param principal the key holder's name when known (a disabled key's too), else null
     * @param source the client's address, or null where the channel has none
     * @param key the key the request carried (only its {@link #keyId} is kept), or null
     */
    public void refused(Reason reason, int status, String channel, String principal, String source, String key,
            String target, String requestId, String detail) {
        String keyId = key == null ? null : keyId(key);
        SecurityEvent event = event(reason, "refused", status, channel, principal, source, keyId, target, requestId,
                detail);
        String from = sourceOf(principal, keyId, source);
        Window window = from == null ? null : refusalsBySource.get(from, k -> new Window());
        if (window != null && window.count(ticker.read())) {
            bursts.increment();
            SecurityEvent burst = event(Reason.REFUSALS, "detected", 0, channel, principal, source, keyId, null,
                    requestId, burstRefusals + " refusals within " + burstWindow + ", the last " + reason.wireName());
            log.warn("Security event: burst of refusals from {}: {}", from, burst.detail());
            record(event, false);
            record(burst, false);
            return;
        }
        // the lines of a source in a burst are at debug: its burst line said it, and a flood must not flood the log
        record(event, reason != Reason.RATE_LIMITED && (window == null || !window.inBurst()));
    }

    /**
     * An administrative command and its outcome.
     *
     * @param status the status the caller was answered; 400 and above is a failed command
     */
    public void command(Reason reason, int status, String channel, String principal, String source, String target,
            String requestId, String detail) {
        record(event(reason, status < 400 ? "done" : "failed", status, channel, principal, source, null, target,
                requestId, detail), true);
    }

    /**
     * The interceptFrom step of route configuration {@code admin-commands} (routes/errors.camel.yaml):
     * who asks, from where, for what, kept on the exchange before any step runs (the answer's
     * steps clear the message's headers, and a refused command has its event too).
     */
    public void commandAsked(Exchange exchange) {
        var message = exchange.getMessage();
        exchange.setProperty(ASKED_PROPERTY, new Asked(message.getHeader(Exchange.HTTP_METHOD, String.class),
                message.getHeader(Exchange.HTTP_URI, String.class), message.getHeader("X-ModelApi-Principal", String.class),
                message.getHeader(CLIENT_HEADER, String.class)));
    }

    /** A command route's step once its request is read: what the command names (a version, a source), for its event. */
    public void commandNames(Exchange exchange, String version, String source) {
        String named = source != null && !source.isBlank() ? "source " + source
                : version != null && !version.isBlank() ? "version " + version : null;
        exchange.setProperty(DETAIL_PROPERTY, named);
    }

    /**
     * The onCompletion step of route configuration {@code admin-commands}: the command the route
     * named in {@value #COMMAND_PROPERTY}, by the caller {@link #commandAsked} kept, with the
     * status it was answered. A read (GET) on the same route is not a command.
     */
    public void commandDone(Exchange exchange) {
        String command = exchange.getProperty(COMMAND_PROPERTY, String.class);
        Asked asked = exchange.getProperty(ASKED_PROPERTY, Asked.class);
        if (command == null || asked == null || asked.method() == null
                || READS.contains(asked.method().toUpperCase(Locale.ROOT))) {
            return;
        }
        Integer code = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        int status = code != null ? code : caught != null || exchange.getException() != null ? 500 : 200;
        String detail = status >= 400 && caught != null ? rootMessage(caught)
                : exchange.getProperty(DETAIL_PROPERTY, String.class);
        command(commandReason(command), status, "http", asked.principal(), asked.client(),
                asked.method() + " " + asked.uri(), exchange.getProperty("requestId", String.class), detail);
    }

    /** A command's request as it came in. */
    record Asked(String method, String uri, String principal, String client) {
    }

    /** The first 12 hex digits of a key's SHA-256: enough to tell keys apart, far from enough to use one. */
    public static String keyId(String key) {
        return Sha256.hex(key).substring(0, 12);
    }

    private static Reason commandReason(String command) {
        for (Reason reason : Reason.values()) {
            if (reason.kind() == Reason.Kind.COMMAND && reason.wireName().equals(command)) {
                return reason;
            }
        }
        return Reason.MODEL_COMMAND;
    }

    private SecurityEvent event(Reason reason, String outcome, int status, String channel, String principal,
            String source, String keyId, String target, String requestId, String detail) {
        return new SecurityEvent(UUID.randomUUID().toString(), clock.instant(), reason.kind().wireName(),
                reason.wireName(), outcome, status, channel, principal, source, keyId, target, requestId, detail);
    }

    private void record(SecurityEvent event, boolean logAtInfo) {
        Counter.builder("modelapi.security.events").description("Security events by kind and reason")
                .tags("kind", event.kind(), "reason", event.reason()).register(meters).increment();
        if (logAtInfo || log.isDebugEnabled()) {
            String line = event.kind() + " " + event.reason() + " " + event.outcome() + ", status " + event.status()
                    + ", by " + event.principal() + " from " + event.source()
                    + (event.keyId() == null ? "" : " (key id " + event.keyId() + ")") + " on " + event.target()
                    + ", request " + event.requestId() + (event.detail() == null ? "" : ": " + event.detail());
            if (logAtInfo) {
                log.info("Security event: {}", line);
            } else {
                log.debug("Security event: {}", line);
            }
        }
        try {
            sink.accept(event);
        } catch (RuntimeException e) {
            dropped.increment();
            log.debug("Security event {} dropped: {}", event.eventId(), e.getMessage());
        }
    }

    /**
     * Whose refusals add up: a known key's holder; else the client's address, so that one client
     * guessing many keys is one source; else, where the channel has no address, the key's id.
     */
    private static String sourceOf(String principal, String keyId, String source) {
        if (principal != null) {
            return "key holder " + principal;
        }
        if (source != null) {
            return "address " + source;
        }
        return keyId == null ? null : "key id " + keyId;
    }

    private long sourcesInBurst() {
        long now = ticker.read();
        return refusalsBySource.asMap().values().stream().filter(w -> w.inBurstAt(now)).count();
    }

    private static String rootMessage(Throwable thrown) {
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /** A source's refusals in its current window (a fixed window from its first refusal). */
    private final class Window {
        private long startNanos;
        private int count;
        private boolean reported;

        /** Counts a refusal; true for the one that makes the window a burst. */
        synchronized boolean count(long now) {
            if (count == 0 || now - startNanos > burstWindowNanos) {
                startNanos = now;
                count = 0;
                reported = false;
            }
            count++;
            if (count >= burstRefusals && !reported) {
                reported = true;
                return true;
            }
            return false;
        }

        synchronized boolean inBurst() {
            return reported;
        }

        synchronized boolean inBurstAt(long now) {
            return reported && now - startNanos <= burstWindowNanos;
        }
    }
}
