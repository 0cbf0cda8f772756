package dev.modelapi.securityevents;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.modelapi.digest.Sha256;
import dev.modelapi.testsupport.RecordedSecurityEvents;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The recorder: what an event keeps (never a key), bursts per source and window, drops, and commands. */
class SecurityEventsTest {

    static final String KEY = "sk-live-7Hq2-the-caller-s-secret-key";

    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final RecordedSecurityEvents recorded = new RecordedSecurityEvents(5, nanos::get);
    final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger(SecurityEvents.LOGGER);

    @BeforeEach
    void captureLog() {
        lines.start();
        logger.addAppender(lines);
        logger.setLevel(Level.DEBUG);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(lines);
        logger.setLevel(null);
    }

    void refuseUnknownKey(String key, String address) {
        recorded.recorder.refused(Reason.UNKNOWN_KEY, 401, "http", null, address, key, "POST /api/v1/predict",
                "r-1", "the API key is not known or no longer enabled");
    }

    double count(String name, String... tags) {
        var counter = recorded.meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    double burstSources() {
        return recorded.meters.get("modelapi.security.burst.sources").gauge().value();
    }

    @Test
    void shouldKeepOnlyAKeyIdNeverTheKeyInTheEventOrTheLog() {
        refuseUnknownKey(KEY, "198.51.100.7");

        SecurityEvent event = recorded.events.get(0);
        assertThat(event.kind()).isEqualTo("refused");
        assertThat(event.reason()).isEqualTo("unknown_key");
        assertThat(event.outcome()).isEqualTo("refused");
        assertThat(event.status()).isEqualTo(401);
        assertThat(event.source()).isEqualTo("198.51.100.7");
        assertThat(event.keyId()).isEqualTo(Sha256.hex(KEY).substring(0, 12)).hasSize(12);
        assertThat(event.toString()).doesNotContain(KEY).doesNotContain(Sha256.hex(KEY));
        assertThat(lines.list).isNotEmpty()
                .allSatisfy(line -> assertThat(line.getFormattedMessage()).doesNotContain(KEY).doesNotContain("7Hq2"));
        assertThat(count("modelapi.security.events", "kind", "refused", "reason", "unknown_key")).isEqualTo(1);
    }

    @Test
    void shouldRaiseOneBurstPerSourceAndWindow() {
        for (int i = 0; i < 4; i++) {
            refuseUnknownKey(KEY, "198.51.100.7");
        }
        assertThat(recorded.events).extracting(SecurityEvent::kind).containsOnly("refused");
        assertThat(burstSources()).isZero();

        refuseUnknownKey(KEY, "198.51.100.7"); // the fifth within the window
        for (int i = 0; i < 10; i++) {
            refuseUnknownKey(KEY, "198.51.100.7");
        }

        assertThat(recorded.events).filteredOn(e -> e.kind().equals("burst")).singleElement().satisfies(burst -> {
            assertThat(burst.reason()).isEqualTo("refusals");
            assertThat(burst.outcome()).isEqualTo("detected");
            assertThat(burst.keyId()).isEqualTo(SecurityEvents.keyId(KEY));
            assertThat(burst.detail()).startsWith("5 refusals within PT1M").endsWith("unknown_key");
        });
        assertThat(count("modelapi.security.refusal.bursts")).isEqualTo(1);
        assertThat(burstSources()).isEqualTo(1);
        // the source's lines after its burst are debug only: the log is not flooded
        assertThat(lines.list).filteredOn(l -> l.getLevel() == Level.INFO).hasSize(4);
        assertThat(lines.list).filteredOn(l -> l.getLevel() == Level.WARN).hasSize(1);

        nanos.addAndGet(Duration.ofSeconds(61).toNanos());
        assertThat(burstSources()).isZero();
        for (int i = 0; i < 5; i++) {
            refuseUnknownKey(KEY, "198.51.100.7");
        }
        assertThat(count("modelapi.security.refusal.bursts")).isEqualTo(2);
    }

    @Test
    void shouldCountEachSourceOnItsOwn() {
        for (int i = 0; i < 4; i++) {
            refuseUnknownKey("key-a-" + i, null); // four keys: four sources, none in a burst
            recorded.recorder.refused(Reason.RATE_LIMITED, 429, "http", "slow", "198.51.100.9", "slow-key",
                    "POST /api/v1/predict", "r-" + i, "more than 1.0 requests per second");
        }
        assertThat(count("modelapi.security.refusal.bursts")).isZero();

        recorded.recorder.refused(Reason.ROLE, 403, "http", "slow", "198.51.100.9", "slow-key", "POST /api/v1/models/x/load",
                "r-5", "lacks the role");

        // the key holder is the source, whatever the reason: its fifth refusal is its burst
        assertThat(recorded.events).filteredOn(e -> e.kind().equals("burst")).singleElement()
                .extracting(SecurityEvent::principal).isEqualTo("slow");
    }

    @Test
    void shouldCountOneAddressGuessingManyKeysAsOneSource() {
        for (int i = 0; i < 5; i++) {
            refuseUnknownKey("guess-" + i, "203.0.113.66");
        }

        assertThat(recorded.events).filteredOn(e -> e.kind().equals("burst")).singleElement()
                .satisfies(burst -> assertThat(burst.source()).isEqualTo("203.0.113.66"));
        assertThat(burstSources()).isEqualTo(1);
    }

    @Test
    void shouldWatchNoMoreSourcesThanTrackedSourcesAndSayHowMany() {
        for (int i = 0; i < 150; i++) {
            refuseUnknownKey("key-" + i, "198.51.100." + i); // 150 addresses, tracked-sources 100
        }

        assertThat(recorded.meters.get("modelapi.security.tracked.sources").gauge().value()).isEqualTo(100);
    }

    @Test
    void shouldDropAndCountAnEventTheQueueHasNoRoomFor() {
        SecurityEvents full = new SecurityEvents(event -> {
            throw new IllegalStateException("Queue full");
        }, new SecurityEventsProperties(1, 20, Duration.ofSeconds(60), 10), recorded.meters,
                java.time.Clock.systemUTC(), nanos::get);

        full.refused(Reason.MISSING_KEY, 401, "http", null, "198.51.100.7", null, "GET /api/v1/models", "r-1", "no key");

        assertThat(count("modelapi.security.events.dropped")).isEqualTo(1);
        assertThat(count("modelapi.security.events", "kind", "refused", "reason", "missing_key")).isEqualTo(1);
    }

    /** A command's exchange as the admin-commands configuration sees it: asked, named, answered. */
    Exchange command(String method, String command, Integer status) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, method);
        exchange.getMessage().setHeader(Exchange.HTTP_URI, "/api/v1/models/spam-distilbert/" + command);
        exchange.getMessage().setHeader("X-ModelApi-Principal", "ops");
        exchange.getMessage().setHeader(SecurityEvents.CLIENT_HEADER, "10.0.0.5");
        recorded.recorder.commandAsked(exchange);
        exchange.setProperty(SecurityEvents.COMMAND_PROPERTY, "model_" + command);
        exchange.setProperty("requestId", "req-7");
        recorded.recorder.commandNames(exchange, "2", null);
        // the answer step leaves only the answer's headers
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        return exchange;
    }

    @Test
    void shouldRecordACommandWithWhoWhatAndOutcome() {
        recorded.recorder.commandDone(command("POST", "load", 200));
        Exchange failed = command("POST", "default", 404);
        failed.setProperty(Exchange.EXCEPTION_CAUGHT, new RuntimeException("wrapped",
                new IllegalArgumentException("model spam-distilbert has no version 2")));
        recorded.recorder.commandDone(failed);
        recorded.recorder.commandDone(command("POST", "dance", 404));
        recorded.recorder.commandDone(command("GET", "load", 405)); // a read: not a command

        assertThat(recorded.events).hasSize(3);
        SecurityEvent load = recorded.events.get(0);
        assertThat(load.kind()).isEqualTo("command");
        assertThat(load.reason()).isEqualTo("model_load");
        assertThat(load.outcome()).isEqualTo("done");
        assertThat(load.status()).isEqualTo(200);
        assertThat(load.principal()).isEqualTo("ops");
        assertThat(load.source()).isEqualTo("10.0.0.5");
        assertThat(load.target()).isEqualTo("POST /api/v1/models/spam-distilbert/load");
        assertThat(load.requestId()).isEqualTo("req-7");
        assertThat(load.detail()).isEqualTo("version 2");
        assertThat(load.keyId()).isNull();
        SecurityEvent setDefault = recorded.events.get(1);
        assertThat(setDefault.outcome()).isEqualTo("failed");
        assertThat(setDefault.status()).isEqualTo(404);
        assertThat(setDefault.detail()).isEqualTo("model spam-distilbert has no version 2");
        assertThat(recorded.events.get(2).reason()).isEqualTo("model_command");
        assertThat(count("modelapi.security.events", "kind", "command", "reason", "model_load")).isEqualTo(1);
    }
}
