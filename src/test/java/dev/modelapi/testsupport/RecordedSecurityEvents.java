package dev.modelapi.testsupport;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.modelapi.securityevents.SecurityEvent;
import dev.modelapi.securityevents.SecurityEvents;
import dev.modelapi.securityevents.SecurityEventsProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The real recorder of security events for unit and route tests, its events kept in a list instead of queued. */
public final class RecordedSecurityEvents {

    public final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    public final SecurityEvents recorder;

    public RecordedSecurityEvents() {
        this(20, Ticker.systemTicker());
    }

    public RecordedSecurityEvents(int burstRefusals, Ticker ticker) {
        recorder = new SecurityEvents(events::add, new SecurityEventsProperties(100, burstRefusals,
                Duration.ofSeconds(60), 100), meters, Clock.systemUTC(), ticker);
    }
}
