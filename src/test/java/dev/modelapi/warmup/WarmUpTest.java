package dev.modelapi.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.audit.AuditWarmUp;
import dev.modelapi.security.WarmUpCaller;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cache.CacheManager;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The start-up warm-up with access control on, as the service runs by default: its requests pass
 * the key check with the JVM's token, run the real models through every route, and leave no audit
 * row and no cached answer behind; readiness says up only once they are done; a guessed token is
 * no key.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.security.enabled=true", "modelapi.cache.enabled=true",
        "modelapi.warm-up.enabled=true", "modelapi.warm-up.requests=40", "modelapi.warm-up.concurrency=4"})
class WarmUpTest {

    private static final String DEV_KEY = "modelapi-dev-key";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    MeterRegistry meters;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    AuditQueries audit;

    @Autowired
    AuditWarmUp auditWarmUp;

    @Autowired
    CacheManager caches;

    @Autowired
    ServerProperties server;

    @Autowired
    WarmUpCaller caller;

    @LocalServerPort
    int port;

    /** What the service's own warm-up does with the audit: these tests' warm-ups leave no audit row either. */
    private WarmUp.AuditRows auditRows() {
        return new WarmUp.AuditRows() {
            @Override
            public void begin() {
                auditWarmUp.begin();
            }

            @Override
            public void forget(long texts) {
                assertThat(auditWarmUp.forgetRows(texts, Duration.ofSeconds(10))).as("the rows of %d texts written", texts)
                        .isTrue();
            }
        };
    }

    private JsonNode readinessOnceWarm() throws Exception {
        await().atMost(Duration.ofMinutes(2)).until(() -> http.getForEntity("/actuator/health/readiness", String.class)
                .getStatusCode().value() == 200);
        return json.readTree(http.getForEntity("/actuator/health/readiness", String.class).getBody());
    }

    @Test
    void shouldRunItsRequestsThroughTheModelsBeforeReadinessSaysUp() throws Exception {
        JsonNode warmUp = readinessOnceWarm().at("/components/warmUp");

        assertThat(warmUp.at("/status").asText()).isEqualTo("UP");
        assertThat(warmUp.at("/details/state").asText()).isEqualTo("done");
        assertThat(warmUp.at("/details/answered").asInt()).as(warmUp.toString()).isEqualTo(40);
        assertThat(warmUp.at("/details/failed").asInt()).isZero();
        assertThat(warmUp.at("/details/concurrency").asInt()).as("as configured").isEqualTo(4);
        assertThat(meters.get("modelapi.warmup.requests").tag("outcome", "answered").counter().count()).isEqualTo(40);
        assertThat(meters.get("modelapi.warmup.running").gauge().value()).isZero();
        // 36 single texts and 4 batches of 4, through the real models
        double texts = meters.find("modelapi.inference.count").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(texts).isGreaterThanOrEqualTo(52);
        // written to the in-memory audit database, so that its writer is compiled too, then deleted
        assertThat(auditWarmUp.writesRows()).isTrue();
        assertThat(meters.get("modelapi.audit.warmup.rows").counter().count()).isGreaterThanOrEqualTo(52);
        // then the start-up's memory given back (a full collection, glibc's free native heap)
        assertThat(warmUp.at("/details/settledMiB").isIntegralNumber()).as(warmUp.toString()).isTrue();
        assertThat(meters.get("modelapi.native.malloc.trims").functionCounter().count()).isPositive();
    }

    /**
     * The settle runs once, after every request is answered and while readiness still says out of
     * service, so no user request meets the full collection; the health then reports what it gave back.
     */
    @Test
    void shouldSettleOnceItsRequestsAreAnsweredBeforeReadinessSaysUp() throws Exception {
        readinessOnceWarm();
        int requests = 12;
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicReference<WarmUp> self = new AtomicReference<>();
        WarmUp again = new WarmUp(new WarmUpProperties(true, requests, 3, Duration.ofMinutes(2), Duration.ofSeconds(30),
                true), server, caller, json, new SimpleMeterRegistry(), auditRows(), () -> {
                    Health now = self.get().health();
                    seen.add(now.getStatus() + " answered=" + now.getDetails().get("answered"));
                });
        self.set(again);

        again.run(URI.create("http://127.0.0.1:" + port));

        assertThat(seen).containsExactly("OUT_OF_SERVICE answered=" + requests);
        Health after = again.health();
        assertThat(after.getStatus()).isEqualTo(Status.UP);
        assertThat(after.getDetails()).containsKey("settledMiB");
    }

    @Test
    void shouldNotSettleWhenTurnedOffOrWhenNothingWasAnswered() throws Exception {
        // after the service's own warm-up: both delete rows of the same principal
        readinessOnceWarm();
        AtomicInteger settles = new AtomicInteger();
        WarmUp off = new WarmUp(new WarmUpProperties(true, 4, 2, Duration.ofMinutes(2), Duration.ofSeconds(30), false),
                server, caller, json, new SimpleMeterRegistry(), auditRows(), settles::incrementAndGet);
        off.run(URI.create("http://127.0.0.1:" + port));
        assertThat(off.health().getDetails()).containsEntry("answered", 4).doesNotContainKey("settledMiB");

        // nothing listens on port 1: every request fails, the JVM has nothing of the warm-up's to give back
        WarmUp refused = new WarmUp(new WarmUpProperties(true, 4, 2, Duration.ofMinutes(2), Duration.ofSeconds(5), true),
                server, caller, json, new SimpleMeterRegistry(), auditRows(), settles::incrementAndGet);
        refused.run(URI.create("http://127.0.0.1:1"));
        assertThat(refused.health().getDetails()).containsEntry("answered", 0).doesNotContainKey("settledMiB");

        assertThat(settles).hasValue(0);
    }

    @Test
    void shouldLeaveNeitherAuditRowsNorCachedAnswers() throws Exception {
        readinessOnceWarm();
        // a caller's request after it is audited as usual, so the audit is not simply off
        String requestId = "after-warm-up-" + UUID.randomUUID();
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("X-API-Key", DEV_KEY);
        headers.set("X-Request-ID", requestId);
        ResponseEntity<String> response = http.exchange("/api/v1/predict", HttpMethod.POST,
                new HttpEntity<>(json.writeValueAsString(Map.of("text", "Subject: lunch " + requestId)), headers),
                String.class);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestId) == 1);

        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM prediction_audit WHERE principal = 'warm-up'", Long.class))
                .isZero();
        com.github.benmanes.caffeine.cache.Cache<?, ?> answers = (com.github.benmanes.caffeine.cache.Cache<?, ?>)
                caches.getCache("predictions").getNativeCache();
        answers.cleanUp();
        assertThat(answers.estimatedSize()).as("only the caller's answer is cached").isEqualTo(1);
    }

    @Test
    void shouldTreatAGuessedTokenAsNoKey() throws Exception {
        readinessOnceWarm();
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set(WarmUpCaller.HEADER, "0".repeat(64));

        ResponseEntity<String> response = http.exchange("/api/v1/predict", HttpMethod.POST,
                new HttpEntity<>("{\"text\": \"hello\"}", headers), String.class);

        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(json.readTree(response.getBody()).at("/error/code").asText()).isEqualTo("missing_api_key");
    }

    /**
     * A second warm-up of 200 requests, 4 at a time, against the running service: it starts its
     * own few threads, not one per request. Sent with the JDK client's sendAsync, each answer went
     * to CompletableFuture's default executor, which on a machine of one or two cores starts a
     * thread per task (on more cores the common pool's workers are reused); the service's own
     * threads are running already, and the slack is for the other cached test contexts' pools
     * (Artemis's grow and shrink on demand).
     */
    @Test
    void shouldSendItsRequestsOnAFewThreadsNotOnAThreadPerRequest() throws Exception {
        readinessOnceWarm();
        int requests = 200;
        int concurrency = 4;
        WarmUp again = new WarmUp(new WarmUpProperties(true, requests, concurrency, Duration.ofMinutes(2),
                Duration.ofSeconds(30), false), server, caller, json, new SimpleMeterRegistry(), auditRows(), () -> { });
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long startedBefore = threads.getTotalStartedThreadCount();

        again.run(URI.create("http://127.0.0.1:" + port));

        long started = threads.getTotalStartedThreadCount() - startedBefore;
        Health health = again.health();
        assertThat(health.getDetails()).as(health.toString()).containsEntry("answered", requests).containsEntry("failed", 0);
        // its senders, the client's two threads and its selector, and slack for other pools
        assertThat(started).as("threads started by a warm-up of %d requests", requests)
                .isLessThanOrEqualTo(concurrency + 3 + 20);
    }
}
