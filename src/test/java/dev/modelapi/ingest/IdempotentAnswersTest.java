package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.testsupport.RealServices;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * A retry with the same Idempotency-Key gets the first answer, as it was, from the kept answers
 * (Caffeine here; Redis across two instances in ScaleOutTest): the real models, a real
 * PostgreSQL audit with one row per answered text.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.security.enabled=true",
        "modelapi.security.keys[0].name=development",
        "modelapi.security.keys[0].sha256=cf38ba39942a6f4c62ca89f21d908642af63e294531f80c568d64ad50ec61123",
        "modelapi.security.keys[0].roles=predict,admin,auditor",
        "modelapi.security.keys[1].name=other",
        // sha256("reader-key-0123456789")
        "modelapi.security.keys[1].sha256=a59435e96e27bd9a336501c502375489a733ab1dbbf3178df320717e29b348c5",
        "modelapi.security.keys[1].roles=predict"})
@RealServices
class IdempotentAnswersTest {

    static final String DEV_KEY = "modelapi-dev-key";
    static final String OTHER_KEY = "reader-key-0123456789";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Autowired
    MeterRegistry meters;

    @Test
    void shouldAnswerARetryWithTheFirstAnswerAndAuditItOnce() throws Exception {
        String key = "retry-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("text", "Subject: invoice overdue " + key);
        double replayedBefore = replayed();

        ResponseEntity<String> first = post("/api/v1/predict", body, key, DEV_KEY, "first-" + key);
        ResponseEntity<String> retry = post("/api/v1/predict", body, key, DEV_KEY, "retry-" + key);

        assertThat(first.getStatusCode().value()).isEqualTo(200);
        assertThat(first.getHeaders().getFirst(IdempotentAnswers.REPLAYED)).isNull();
        assertThat(retry.getStatusCode().value()).isEqualTo(200);
        assertThat(retry.getHeaders().getFirst(IdempotentAnswers.REPLAYED)).isEqualTo("true");
        // the first answer as it was: its request id, its latency, byte for byte
        assertThat(retry.getBody()).isEqualTo(first.getBody());
        assertThat(json.readTree(retry.getBody()).get("requestId").asText()).isEqualTo("first-" + key);
        // the retry's own request id is on its header, for its log lines
        assertThat(retry.getHeaders().getFirst("X-Request-ID")).isEqualTo("retry-" + key);
        assertThat(replayed() - replayedBefore).isEqualTo(1.0);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId("first-" + key) == 1);
        assertThat(audit.countByRequestId("retry-" + key)).isZero();
    }

    @Test
    void shouldReplayABatchAnswer() throws Exception {
        String key = "batch-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("texts", List.of("Subject: one " + key, "Subject: two " + key));

        ResponseEntity<String> first = post("/api/v1/predict/batch", body, key, DEV_KEY, null);
        ResponseEntity<String> retry = post("/api/v1/predict/batch", body, key, DEV_KEY, null);

        assertThat(retry.getHeaders().getFirst(IdempotentAnswers.REPLAYED)).isEqualTo("true");
        assertThat(retry.getBody()).isEqualTo(first.getBody());
        assertThat(json.readTree(retry.getBody()).get("results")).hasSize(2);
    }

    @Test
    void shouldRefuseTheSameKeyWithAnotherBody() throws Exception {
        String key = "reused-" + UUID.randomUUID();
        post("/api/v1/predict", Map.of("text", "Subject: first " + key), key, DEV_KEY, null);

        ResponseEntity<String> other = post("/api/v1/predict", Map.of("text", "Subject: second " + key), key,
                DEV_KEY, "reused-" + key);

        assertThat(other.getStatusCode().value()).isEqualTo(409);
        JsonNode error = json.readTree(other.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(error.get("requestId").asText()).isEqualTo("reused-" + key);
    }

    @Test
    void shouldKeepAnswersApartPerCallerAndPerEndpoint() throws Exception {
        String key = "shared-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("text", "Subject: per caller " + key);
        post("/api/v1/predict", body, key, DEV_KEY, null);

        ResponseEntity<String> otherCaller = post("/api/v1/predict", body, key, OTHER_KEY, null);
        ResponseEntity<String> otherEndpoint = post("/api/v1/predict/batch",
                Map.of("texts", List.of("Subject: per caller " + key)), key, DEV_KEY, null);

        assertThat(otherCaller.getStatusCode().value()).isEqualTo(200);
        assertThat(otherCaller.getHeaders().getFirst(IdempotentAnswers.REPLAYED)).isNull();
        assertThat(otherEndpoint.getStatusCode().value()).isEqualTo(200);
        assertThat(otherEndpoint.getHeaders().getFirst(IdempotentAnswers.REPLAYED)).isNull();
    }

    @Test
    void shouldNotKeepAFailureSoThatARetryIsTriedAgain() throws Exception {
        String key = "failed-" + UUID.randomUUID();
        ResponseEntity<String> refused = post("/api/v1/predict", Map.of("text", "   "), key, DEV_KEY, null);
        ResponseEntity<String> again = post("/api/v1/predict", Map.of("text", "   "), key, DEV_KEY, null);

        assertThat(refused.getStatusCode().value()).isEqualTo(400);
        assertThat(again.getStatusCode().value()).isEqualTo(400);
        assertThat(again.getHeaders().getFirst(IdempotentAnswers.REPLAYED)).isNull();
    }

    @Test
    void shouldRefuseAnUnsafeKey() throws Exception {
        ResponseEntity<String> refused = post("/api/v1/predict", Map.of("text", "Subject: hi"), "bad key!", DEV_KEY,
                null);

        assertThat(refused.getStatusCode().value()).isEqualTo(400);
        assertThat(json.readTree(refused.getBody()).at("/error/code").asText()).isEqualTo("invalid_idempotency_key");
    }

    private double replayed() {
        return meters.get("modelapi.idempotency.replayed").counter().count();
    }

    private ResponseEntity<String> post(String path, Object body, String idempotencyKey, String apiKey,
            String requestId) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("X-API-Key", apiKey);
        headers.set("Idempotency-Key", idempotencyKey);
        if (requestId != null) {
            headers.set("X-Request-ID", requestId);
        }
        return http.postForEntity(path, new HttpEntity<>(json.writeValueAsString(body), headers), String.class);
    }
}
