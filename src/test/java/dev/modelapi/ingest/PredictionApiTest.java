package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.audit.AuditRecord;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.Prediction;
import dev.modelapi.testsupport.RealServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The whole pipeline over HTTP, against the real demo models, a real Redis (cache) and a real
 * PostgreSQL (audit).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.batching.max-batch-size=8", "modelapi.batching.max-delay=20ms"})
@RealServices
class PredictionApiTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ModelRegistry registry;

    @Autowired
    AuditQueries audit;

    @Autowired
    ObjectMapper json;

    @Test
    void shouldBatchConcurrentClientsAndGiveEachItsOwnAnswer() throws Exception {
        // chat-length texts: a batch holds max-batch-tokens (256) of one length bucket, so e-mails
        // (about 256 tokens each) run one per batch by design and only short texts share one
        List<String> texts = shortTexts(24);
        ExecutorService clients = Executors.newFixedThreadPool(texts.size());
        List<String> requestIds = new ArrayList<>();
        List<Callable<JsonNode>> calls = new ArrayList<>();
        for (String text : texts) {
            String requestId = "concurrent-" + UUID.randomUUID();
            requestIds.add(requestId);
            calls.add(() -> {
                ResponseEntity<String> response = post("/api/v1/predict", Map.of("text", text), requestId);
                assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
                assertThat(response.getHeaders().getFirst("X-Request-ID")).isEqualTo(requestId);
                return json.readTree(response.getBody());
            });
        }
        List<JsonNode> answers = new ArrayList<>();
        try {
            for (Future<JsonNode> answer : clients.invokeAll(calls)) {
                answers.add(answer.get());
            }
        } finally {
            clients.shutdown();
        }

        assertThat(answers).anySatisfy(a -> assertThat(a.get("batchSize").asInt()).isGreaterThan(1));
        for (int i = 0; i < texts.size(); i++) {
            JsonNode answer = answers.get(i);
            assertThat(answer.get("requestId").asText()).isEqualTo(requestIds.get(i));
            assertThat(answer.get("cached").asBoolean()).isFalse();
            assertThat(answer.get("models")).hasSize(registry.all().size());
            for (JsonNode model : answer.get("models")) {
                Prediction alone = registry.find(model.get("name").asText()).orElseThrow()
                        .classify(List.of(texts.get(i))).get(0);
                assertThat(model.get("probabilities").get("spam").asDouble())
                        .as("text %d, model %s", i, model.get("name").asText())
                        .isCloseTo(alone.probabilities().get("spam"), org.assertj.core.api.Assertions.within(1e-4));
            }
        }
        for (String requestId : requestIds) {
            await().atMost(Duration.ofSeconds(20)).until(() -> audit.countByRequestId(requestId) == 1);
        }
    }

    @Test
    void shouldAnswerARepeatFromTheCacheWithoutTheModels() throws Exception {
        String text = "Subject: quarterly figures " + UUID.randomUUID() + "\n\nPlease find the numbers attached.";

        JsonNode first = json.readTree(post("/api/v1/predict", Map.of("text", text), "first-" + UUID.randomUUID()).getBody());
        String repeatId = "repeat-" + UUID.randomUUID();
        JsonNode repeat = json.readTree(post("/api/v1/predict", Map.of("text", text), repeatId).getBody());

        assertThat(first.get("cached").asBoolean()).isFalse();
        assertThat(first.get("batchSize").asInt()).isPositive();
        assertThat(repeat.get("cached").asBoolean()).isTrue();
        assertThat(repeat.get("batchSize").asInt()).isZero();
        assertThat(repeat.get("label")).isEqualTo(first.get("label"));
        assertThat(repeat.get("score")).isEqualTo(first.get("score"));
        await().atMost(Duration.ofSeconds(20)).until(() -> audit.countByRequestId(repeatId) == 1);
        AuditRecord row = audit.findByRequestId(repeatId).get(0);
        assertThat(row.cached()).isTrue();
        assertThat(row.channel()).isEqualTo("http");
        assertThat(row.inputSha256()).hasSize(64);
        assertThat(row.models()).contains("spam-distilbert:1");
    }

    @Test
    void shouldAnswerABatchInInputOrderWithOneAuditRowPerText() throws Exception {
        List<String> texts = testTexts(5);
        String requestId = "batch-" + UUID.randomUUID();

        ResponseEntity<String> response = post("/api/v1/predict/batch", Map.of("texts", texts), requestId);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode results = json.readTree(response.getBody()).get("results");
        assertThat(results).hasSize(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(results.get(i).get("index").asInt()).isEqualTo(i);
            Prediction alone = registry.find("spam-roberta").orElseThrow().classify(List.of(texts.get(i))).get(0);
            JsonNode roberta = null;
            for (JsonNode model : results.get(i).get("models")) {
                if (model.get("name").asText().equals("spam-roberta")) {
                    roberta = model;
                }
            }
            assertThat(roberta).isNotNull();
            assertThat(roberta.get("label").asText()).isEqualTo(alone.label());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> audit.countByRequestId(requestId) == texts.size());
    }

    @Test
    void shouldUseTheRequestedModelsAndVote() throws Exception {
        Map<String, Object> body = Map.of(
                "text", "Subject: cheap meds\n\nBuy now, limited offer " + UUID.randomUUID(),
                "models", List.of("spam-distilbert:1", "spam-roberta"),
                "ensemble", Map.of("method", "weighted", "weights", Map.of("spam-distilbert", 3, "spam-roberta", 1)));

        JsonNode answer = json.readTree(post("/api/v1/predict", body, "weighted-" + UUID.randomUUID()).getBody());

        assertThat(answer.get("ensemble").get("method").asText()).isEqualTo("weighted");
        assertThat(answer.get("models")).extracting(m -> m.get("name").asText())
                .containsExactly("spam-distilbert", "spam-roberta");
        double distilbert = answer.get("models").get(0).get("probabilities").get(answer.get("label").asText()).asDouble();
        double roberta = answer.get("models").get(1).get("probabilities").get(answer.get("label").asText()).asDouble();
        assertThat(answer.get("score").asDouble())
                .isCloseTo((3 * distilbert + roberta) / 4, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void shouldGenerateARequestIdWhenNoneIsGiven() throws Exception {
        ResponseEntity<String> response = post("/api/v1/predict", Map.of("text", "hello " + UUID.randomUUID()), null);

        String generated = response.getHeaders().getFirst("X-Request-ID");
        assertThat(generated).isNotBlank();
        assertThat(json.readTree(response.getBody()).get("requestId").asText()).isEqualTo(generated);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
    }

    private ResponseEntity<String> post(String path, Object body, String requestId) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (requestId != null) {
            headers.set("X-Request-ID", requestId);
        }
        return http.postForEntity(path, new HttpEntity<>(json.writeValueAsString(body), headers), String.class);
    }

    /** The first sentences of held-out messages (models/eval's short forms), made unique for this run. */
    private List<String> shortTexts(int count) throws Exception {
        return heldOut("spamassassin-test-short.jsonl", line -> line.get("form").asText().equals("first"), count);
    }

    /** Held-out e-mails, made unique for this run. */
    private List<String> testTexts(int count) throws Exception {
        return heldOut("spamassassin-test.jsonl", line -> true, count);
    }

    /** Texts of a models/eval file, each with this run's mark so that no other test's cache entry answers them. */
    private List<String> heldOut(String file, Predicate<JsonNode> keep, int count) throws Exception {
        List<String> texts = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (String line : Files.readAllLines(Path.of("models/eval", file))) {
            if (texts.size() == count) {
                break;
            }
            JsonNode row = json.readTree(line);
            if (keep.test(row)) {
                texts.add(row.get("text").asText() + "\n" + run);
            }
        }
        return texts;
    }
}
