package dev.modelapi.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.securityevents.SecurityEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Security events over HTTP on the real PostgreSQL: every kind of refusal and administrative command
 * made as a client would, then read back as an auditor from {@code /api/v1/audit/security-events},
 * its CSV, the compliance report and the metrics, with the keys of {@link WithTestKeys} (the same
 * configuration, so the same running service).
 */
@WithTestKeys
class SecurityEventsHttpTest {

    static final String DEV_KEY = AccessControlTest.DEV_KEY;
    static final String READER_KEY = AccessControlTest.READER_KEY;
    static final String SLOW_KEY = "slow-key-0123456789";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ApiKeys keys;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    @Test
    void shouldRecordEveryRefusalWithItsReasonWhoAndWhereButNeverTheKey() throws Exception {
        Instant start = Instant.now().minusSeconds(1);
        String run = UUID.randomUUID().toString();
        String unknownKey = "unknown-key-" + run;
        String disabledKey = "disabled-key-" + run;
        String disabledHolder = "retired-" + run;
        jdbc.update("INSERT INTO api_keys (name, key_sha256, roles, models, enabled) VALUES (?, ?, 'predict', '*', FALSE)",
                disabledHolder, ApiKeys.sha256(disabledKey));
        keys.reload();

        assertThat(predict(null, "missing-" + run, null).getStatusCode().value()).isEqualTo(401);
        assertThat(predict(unknownKey, "unknown-" + run, null).getStatusCode().value()).isEqualTo(401);
        ResponseEntity<String> disabled = predict(disabledKey, "disabled-" + run, null);
        assertThat(disabled.getStatusCode().value()).isEqualTo(401);
        assertThat(disabled.getBody()).as("the caller is told no more than for an unknown key")
                .contains("invalid_api_key").doesNotContain(disabledHolder);
        assertThat(send(HttpMethod.POST, "/api/v1/models/spam-roberta/load", READER_KEY, "role-" + run,
                "{\"version\": \"1\"}").getStatusCode().value()).isEqualTo(403);
        assertThat(predict(READER_KEY, "model-" + run, List.of("spam-distilbert")).getStatusCode().value())
                .isEqualTo(403);
        int limited = 0;
        for (int i = 0; i < 4; i++) {
            if (send(HttpMethod.GET, "/api/v1/models", SLOW_KEY, "rate-" + run + "-" + i, null).getStatusCode()
                    .value() == 429) {
                limited++;
            }
        }
        assertThat(limited).isPositive();

        Map<String, JsonNode> byRequest = awaitEvents(start, run, 5 + limited);
        event(byRequest.get("missing-" + run), e -> {
            assertThat(e.get("reason").asText()).isEqualTo("missing_key");
            assertThat(e.get("kind").asText()).isEqualTo("refused");
            assertThat(e.get("status").asInt()).isEqualTo(401);
            assertThat(e.get("channel").asText()).isEqualTo("http");
            assertThat(e.get("source").asText()).isEqualTo("127.0.0.1");
            assertThat(e.get("target").asText()).isEqualTo("POST /api/v1/predict");
            assertThat(e.path("keyId").asText(null)).isNull();
        });
        event(byRequest.get("unknown-" + run), e -> {
            assertThat(e.get("reason").asText()).isEqualTo("unknown_key");
            assertThat(e.path("principal").asText(null)).isNull();
            assertThat(e.get("keyId").asText()).isEqualTo(SecurityEvents.keyId(unknownKey));
        });
        event(byRequest.get("disabled-" + run), e -> {
            assertThat(e.get("reason").asText()).isEqualTo("disabled_key");
            assertThat(e.get("principal").asText()).isEqualTo(disabledHolder);
        });
        event(byRequest.get("role-" + run), e -> {
            assertThat(e.get("reason").asText()).isEqualTo("role");
            assertThat(e.get("principal").asText()).isEqualTo("reader");
            assertThat(e.get("status").asInt()).isEqualTo(403);
            assertThat(e.get("target").asText()).isEqualTo("POST /api/v1/models/spam-roberta/load");
        });
        event(byRequest.get("model-" + run), e -> {
            assertThat(e.get("reason").asText()).isEqualTo("model_not_allowed");
            assertThat(e.get("principal").asText()).isEqualTo("reader");
            assertThat(e.get("source").asText()).isEqualTo("127.0.0.1");
            assertThat(e.get("target").asText()).isEqualTo("spam-distilbert");
        });
        List<JsonNode> rateLimited = byRequest.values().stream()
                .filter(e -> e.get("reason").asText().equals("rate_limited")).toList();
        assertThat(rateLimited).hasSize(limited);
        rateLimited.forEach(e -> assertThat(e.get("principal").asText()).isEqualTo("slow"));

        String page = send(HttpMethod.GET, "/api/v1/audit/security-events?size=1000&from=" + start, DEV_KEY, null, null)
                .getBody();
        String csv = send(HttpMethod.GET, "/api/v1/audit/security-events.csv?from=" + start, DEV_KEY, null, null).getBody();
        for (String key : List.of(unknownKey, disabledKey, READER_KEY, SLOW_KEY, DEV_KEY)) {
            assertThat(page).doesNotContain(key);
            assertThat(csv).doesNotContain(key);
        }
        assertThat(csv).contains(SecurityEvents.keyId(unknownKey)).contains("disabled_key");

        JsonNode report = json.readTree(send(HttpMethod.GET, "/api/v1/audit/report?from=" + start, DEV_KEY, null, null)
                .getBody()).get("security");
        assertThat(report.at("/byReason/unknown_key").asLong()).isPositive();
        assertThat(report.at("/byReason/model_not_allowed").asLong()).isPositive();
        assertThat(report.at("/byPrincipal/reader").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(meters.get("modelapi.security.events").tags("kind", "refused", "reason", "disabled_key").counter()
                .count()).isGreaterThanOrEqualTo(1);
        assertThat(meters.get("modelapi.security.events.queue.capacity").gauge().value()).isEqualTo(10_000);
        assertThat(meters.get("modelapi.security.events.dropped").counter().count()).isZero();
    }

    @Test
    void shouldRecordAdministrativeCommandsWithWhoWhatAndOutcome() throws Exception {
        Instant start = Instant.now().minusSeconds(1);
        String run = UUID.randomUUID().toString();

        assertThat(send(HttpMethod.DELETE, "/api/v1/cache/models/spam-roberta", DEV_KEY, "flush-" + run, null)
                .getStatusCode().value()).isEqualTo(200);
        assertThat(send(HttpMethod.POST, "/api/v1/models/spam-roberta/load", DEV_KEY, "load-" + run,
                "{\"version\": \"99\"}").getStatusCode().value()).isEqualTo(404);
        assertThat(send(HttpMethod.GET, "/api/v1/cache", DEV_KEY, "read-" + run, null).getStatusCode().value())
                .isEqualTo(200);

        Map<String, JsonNode> byRequest = awaitEvents(start, run, 2);
        assertThat(byRequest).doesNotContainKey("read-" + run);
        event(byRequest.get("flush-" + run), e -> {
            assertThat(e.get("kind").asText()).isEqualTo("command");
            assertThat(e.get("reason").asText()).isEqualTo("cache_flush");
            assertThat(e.get("outcome").asText()).isEqualTo("done");
            assertThat(e.get("principal").asText()).isEqualTo("development");
            assertThat(e.get("source").asText()).isEqualTo("127.0.0.1");
            assertThat(e.get("target").asText()).isEqualTo("DELETE /api/v1/cache/models/spam-roberta");
        });
        event(byRequest.get("load-" + run), e -> {
            assertThat(e.get("reason").asText()).isEqualTo("model_load");
            assertThat(e.get("outcome").asText()).isEqualTo("failed");
            assertThat(e.get("status").asInt()).isEqualTo(404);
            assertThat(e.get("detail").asText()).contains("99");
        });
    }

    /** Checks one event, which must be there. */
    private static void event(JsonNode event, java.util.function.Consumer<JsonNode> check) {
        assertThat(event).as("the event").isNotNull();
        check.accept(event);
    }

    /** The events since {@code start} whose request ids hold {@code run}, by request id, once there are {@code expected}. */
    private Map<String, JsonNode> awaitEvents(Instant start, String run, int expected) {
        Map<String, JsonNode> byRequest = new HashMap<>();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            byRequest.clear();
            JsonNode page = json.readTree(send(HttpMethod.GET, "/api/v1/audit/security-events?size=1000&from=" + start,
                    DEV_KEY, null, null).getBody());
            for (JsonNode event : page.get("events")) {
                String requestId = event.get("requestId").asText("");
                // a burst event carries the request id of the refusal that made it: not one of ours
                if (requestId.contains(run) && !"burst".equals(event.get("kind").asText())) {
                    byRequest.put(requestId, event);
                }
            }
            assertThat(byRequest).hasSize(expected);
        });
        return byRequest;
    }

    private ResponseEntity<String> predict(String key, String requestId, List<String> models) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("text", "Subject: lunch on Friday?"));
        if (models != null) {
            body.put("models", models);
        }
        return send(HttpMethod.POST, "/api/v1/predict", key, requestId, json.writeValueAsString(body));
    }

    private ResponseEntity<String> send(HttpMethod method, String path, String key, String requestId, String body) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (key != null) {
            headers.set("X-API-Key", key);
        }
        if (requestId != null) {
            headers.set("X-Request-ID", requestId);
        }
        return http.exchange(path, method, new HttpEntity<>(body, headers), String.class);
    }
}
