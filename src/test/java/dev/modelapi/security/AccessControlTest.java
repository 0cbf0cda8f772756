package dev.modelapi.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import java.time.Duration;
import java.util.ArrayList;
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
 * API keys over HTTP, with the keys of application.yaml (the development key), keys added in the
 * test's configuration, and keys in the real PostgreSQL's {@code api_keys} table.
 */
@WithTestKeys
class AccessControlTest {

    static final String DEV_KEY = "modelapi-dev-key";
    static final String READER_KEY = "reader-key-0123456789";
    // sha256("reader-key-0123456789"), sha256("slow-key-0123456789")
    static final String READER_SHA256 = "a59435e96e27bd9a336501c502375489a733ab1dbbf3178df320717e29b348c5";
    static final String SLOW_SHA256 = "9f3eb7ee4b23c10b781cb233ca8754985403ba0b3bf59b9c683ad5bf40de7797";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ApiKeys keys;

    @Test
    void theTestKeysHashesAreTheirKeys() {
        // the constants above must be what the filter computes, or every test below proves nothing
        assertThat(ApiKeys.sha256(READER_KEY)).isEqualTo(READER_SHA256);
        assertThat(ApiKeys.sha256("slow-key-0123456789")).isEqualTo(SLOW_SHA256);
    }

    @Test
    void shouldRefuseARequestWithoutAKeyWith401() throws Exception {
        ResponseEntity<String> response = predict(Map.of("text", "Subject: hi"), null, "no-key-1");

        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(response.getHeaders().getFirst("WWW-Authenticate")).startsWith("Bearer");
        JsonNode error = json.readTree(response.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("missing_api_key");
        assertThat(error.get("requestId").asText()).isEqualTo("no-key-1");
    }

    @Test
    void shouldRefuseAnUnknownKeyWith401() throws Exception {
        ResponseEntity<String> response = predict(Map.of("text", "Subject: hi"), "not-a-key", null);

        assertThat(response.getStatusCode().value()).isEqualTo(401);
        assertThat(json.readTree(response.getBody()).at("/error/code").asText()).isEqualTo("invalid_api_key");
    }

    @Test
    void shouldAnswerTheDevelopmentKeyAndAuditItsName() throws Exception {
        String requestId = "dev-key-" + UUID.randomUUID();
        HttpHeaders headers = jsonHeaders(requestId);
        headers.set("X-API-Key", DEV_KEY);
        headers.set(ApiKeyFilter.PRINCIPAL_HEADER, "mallory"); // a client cannot choose its principal

        ResponseEntity<String> response = http.exchange("/api/v1/predict", HttpMethod.POST,
                new HttpEntity<>(json.writeValueAsString(Map.of("text", "Subject: weekly report " + requestId)), headers),
                String.class);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestId) == 1);
        assertThat(audit.findByRequestId(requestId).get(0).principal()).isEqualTo("development");
    }

    @Test
    void shouldAcceptTheKeyAsABearerToken() {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(DEV_KEY);

        ResponseEntity<String> response = http.exchange("/api/v1/models", HttpMethod.GET, new HttpEntity<>(headers),
                String.class);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void shouldRefuseWhatTheKeysRolesAndModelsDoNotAllowWith403() throws Exception {
        HttpHeaders reader = jsonHeaders(null);
        reader.set("X-API-Key", READER_KEY);

        ResponseEntity<String> load = http.exchange("/api/v1/models/spam-roberta/load", HttpMethod.POST,
                new HttpEntity<>("{\"version\": \"1\"}", reader), String.class);
        assertThat(load.getStatusCode().value()).isEqualTo(403);
        assertThat(json.readTree(load.getBody()).at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(json.readTree(load.getBody()).at("/error/message").asText()).contains("[admin]");

        assertThat(http.exchange("/api/v1/models", HttpMethod.GET, new HttpEntity<>(reader), String.class)
                .getStatusCode().value()).isEqualTo(200);
        ResponseEntity<String> otherModel = predict(Map.of("text", "Subject: hi", "models", List.of("spam-distilbert")),
                READER_KEY, null);
        assertThat(otherModel.getStatusCode().value()).isEqualTo(403);
        assertThat(json.readTree(otherModel.getBody()).at("/error/code").asText()).isEqualTo("model_not_allowed");
        ResponseEntity<String> defaultEnsemble = predict(Map.of("text", "Subject: hi"), READER_KEY, null);
        assertThat(defaultEnsemble.getStatusCode().value()).as("the default ensemble has models it may not use")
                .isEqualTo(403);
        ResponseEntity<String> allowed = predict(Map.of("text", "Subject: hi", "models", List.of("spam-roberta")),
                READER_KEY, null);
        assertThat(allowed.getStatusCode().value()).as(allowed.getBody()).isEqualTo(200);
    }

    @Test
    void shouldSendNoCorsHeadersAndRefuseAKeylessPreflightWhileNoOriginIsAllowed() {
        HttpHeaders preflight = new HttpHeaders();
        preflight.setOrigin("https://app.example.com");
        preflight.setAccessControlRequestMethod(HttpMethod.POST);
        ResponseEntity<String> refused = http.exchange("/api/v1/predict", HttpMethod.OPTIONS, new HttpEntity<>(preflight),
                String.class);
        assertThat(refused.getStatusCode().value()).isEqualTo(401);
        assertThat(refused.getHeaders().getAccessControlAllowOrigin()).isNull();

        HttpHeaders fromAPage = keyHeaders(DEV_KEY);
        fromAPage.setOrigin("https://app.example.com");
        ResponseEntity<String> models = http.exchange("/api/v1/models", HttpMethod.GET, new HttpEntity<>(fromAPage),
                String.class);
        assertThat(models.getStatusCode().value()).isEqualTo(200);
        assertThat(models.getHeaders().getAccessControlAllowOrigin()).isNull();
    }

    @Test
    void shouldLetOnlyAdminsSeeAndFlushThePredictionCache() throws Exception {
        HttpHeaders reader = jsonHeaders(null);
        reader.set("X-API-Key", READER_KEY);
        HttpHeaders admin = jsonHeaders(null);
        admin.set("X-API-Key", DEV_KEY);
        assertThat(predict(Map.of("text", "Subject: cache me " + System.nanoTime()), DEV_KEY, null).getStatusCode().value())
                .isEqualTo(200);

        for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.DELETE)) {
            ResponseEntity<String> refused = http.exchange("/api/v1/cache", method, new HttpEntity<>(reader), String.class);
            assertThat(refused.getStatusCode().value()).as(method.name()).isEqualTo(403);
        }
        ResponseEntity<String> statistics = http.exchange("/api/v1/cache", HttpMethod.GET, new HttpEntity<>(admin),
                String.class);
        assertThat(statistics.getStatusCode().value()).as(statistics.getBody()).isEqualTo(200);
        JsonNode stats = json.readTree(statistics.getBody());
        assertThat(stats.get("backend").asText()).as("this test runs on the real Redis").isEqualTo("redis");
        assertThat(stats.get("entries").asLong()).isPositive();
        assertThat(stats.get("misses").asLong()).isPositive();
        assertThat(stats.get("models")).isNotEmpty();

        ResponseEntity<String> flushed = http.exchange("/api/v1/cache", HttpMethod.DELETE, new HttpEntity<>(admin),
                String.class);
        assertThat(flushed.getStatusCode().value()).isEqualTo(200);
        assertThat(json.readTree(flushed.getBody()).get("scope").asText()).isEqualTo("all");
        assertThat(json.readTree(flushed.getBody()).get("removed").asLong()).isPositive();
        ResponseEntity<String> post = http.exchange("/api/v1/cache", HttpMethod.POST, new HttpEntity<>("{}", admin),
                String.class);
        assertThat(post.getStatusCode().value()).isEqualTo(405);
    }

    @Test
    void shouldGuardTheInferenceProtocolAndAnswerInItsErrorShape() throws Exception {
        String body = "{\"inputs\": [{\"name\": \"text\", \"shape\": [1], \"datatype\": \"BYTES\", "
                + "\"data\": [\"Subject: lunch on Friday?\"]}]}";
        String requestId = "v2-reader-" + UUID.randomUUID();
        HttpHeaders reader = jsonHeaders(requestId);
        reader.set("X-API-Key", READER_KEY);

        ResponseEntity<String> noKey = http.exchange("/v2/models/spam-roberta/infer", HttpMethod.POST,
                new HttpEntity<>(body, jsonHeaders(null)), String.class);
        ResponseEntity<String> otherModels = http.exchange("/v2/models/spam-default/infer", HttpMethod.POST,
                new HttpEntity<>(body, reader), String.class);
        ResponseEntity<String> metadataNoKey = http.getForEntity("/v2/models/spam-roberta", String.class);
        ResponseEntity<String> allowed = http.exchange("/v2/models/spam-roberta/infer", HttpMethod.POST,
                new HttpEntity<>(body, reader), String.class);

        assertThat(noKey.getStatusCode().value()).isEqualTo(401);
        assertThat(json.readTree(noKey.getBody()).get("error").asText()).contains("API key");
        assertThat(otherModels.getStatusCode().value()).isEqualTo(403);
        assertThat(json.readTree(otherModels.getBody()).get("error").asText()).contains("may not use model");
        assertThat(metadataNoKey.getStatusCode().value()).isEqualTo(401);
        assertThat(allowed.getStatusCode().value()).as(allowed.getBody()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestId) == 1);
        assertThat(audit.findByRequestId(requestId).get(0).principal()).isEqualTo("reader");
    }

    @Test
    void shouldTakeKeysFromTheDatabaseAndDropThemOnceDisabled() throws Exception {
        String key = "db-key-" + UUID.randomUUID();
        String name = "db-" + UUID.randomUUID();
        jdbc.update("INSERT INTO api_keys (name, key_sha256, roles, models) VALUES (?, ?, 'predict', '*')",
                name, ApiKeys.sha256(key));
        keys.reload();
        String requestId = "db-key-" + UUID.randomUUID();

        assertThat(predict(Map.of("text", "Subject: from a database key"), key, requestId).getStatusCode().value())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestId) == 1);
        assertThat(audit.findByRequestId(requestId).get(0).principal()).isEqualTo(name);

        jdbc.update("UPDATE api_keys SET enabled = FALSE WHERE name = ?", name);
        keys.reload();
        assertThat(predict(Map.of("text", "Subject: again"), key, null).getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void shouldAnswer429WithRetryAfterOverTheKeysRate() throws Exception {
        List<ResponseEntity<String>> responses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            responses.add(http.exchange("/api/v1/models", HttpMethod.GET,
                    new HttpEntity<>(keyHeaders("slow-key-0123456789")), String.class));
        }
        // the default limit (50/s) lets the development key through meanwhile
        assertThat(http.exchange("/api/v1/models", HttpMethod.GET, new HttpEntity<>(keyHeaders(DEV_KEY)), String.class)
                .getStatusCode().value()).isEqualTo(200);

        assertThat(responses.get(0).getStatusCode().value()).isEqualTo(200);
        ResponseEntity<String> limited = responses.stream().filter(r -> r.getStatusCode().value() == 429).findFirst()
                .orElseThrow(() -> new AssertionError("no 429 in " + responses));
        assertThat(limited.getHeaders().getFirst("Retry-After")).isEqualTo("1");
        assertThat(json.readTree(limited.getBody()).at("/error/code").asText()).isEqualTo("rate_limited");
    }

    @Test
    void shouldLetOnlyAuditorsReadTheAudit() throws Exception {
        ResponseEntity<String> reader = http.exchange("/api/v1/audit/report", HttpMethod.GET,
                new HttpEntity<>(keyHeaders(READER_KEY)), String.class);
        ResponseEntity<String> auditor = http.exchange("/api/v1/audit/report", HttpMethod.GET,
                new HttpEntity<>(keyHeaders(DEV_KEY)), String.class);

        assertThat(reader.getStatusCode().value()).isEqualTo(403);
        assertThat(json.readTree(reader.getBody()).at("/error/message").asText()).contains("[auditor]");
        assertThat(auditor.getStatusCode().value()).as(auditor.getBody()).isEqualTo(200);
        assertThat(json.readTree(auditor.getBody()).has("texts")).isTrue();
    }

    @Test
    void shouldLeaveHealthAndMetricsOpenByDefault() {
        assertThat(http.getForEntity("/actuator/health", String.class).getStatusCode().value()).isEqualTo(200);
        assertThat(http.getForEntity("/actuator/metrics", String.class).getStatusCode().value()).isEqualTo(200);
    }

    private ResponseEntity<String> predict(Map<String, Object> body, String key, String requestId) throws Exception {
        HttpHeaders headers = jsonHeaders(requestId);
        if (key != null) {
            headers.set("X-API-Key", key);
        }
        return http.exchange("/api/v1/predict", HttpMethod.POST, new HttpEntity<>(json.writeValueAsString(body), headers),
                String.class);
    }

    private static HttpHeaders keyHeaders(String key) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("X-API-Key", key);
        return headers;
    }

    private static HttpHeaders jsonHeaders(String requestId) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (requestId != null) {
            headers.set("X-Request-ID", requestId);
        }
        return headers;
    }
}
