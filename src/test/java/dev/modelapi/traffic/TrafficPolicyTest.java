package dev.modelapi.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.audit.AuditRecord;
import dev.modelapi.testsupport.TestFiles;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The traffic policies of routes/traffic.camel.yaml with real models: an A/B split of
 * spam-distilbert between versions 1 and 2, and spam-roberta as a shadow that is audited and
 * compared but never answers.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.ensemble.default-models=spam-distilbert", "modelapi.models.workers-per-model=1",
        "modelapi.traffic.split.model=spam-distilbert", "modelapi.traffic.split.weights=1=50,2=50",
        "modelapi.traffic.shadow.model=spam-roberta"})
class TrafficPolicyTest {

    static final Path REPOSITORY = repository();

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("modelapi.models.directory", REPOSITORY::toString);
    }

    @Test
    void shouldShareDefaultVersionRequestsBetweenVersionsStickyPerRequestId() throws Exception {
        Set<String> versions = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            versions.add(servedVersion("split-" + UUID.randomUUID(), null));
        }
        String requestId = "sticky-" + UUID.randomUUID();
        String first = servedVersion(requestId, null);

        assertThat(versions).containsExactlyInAnyOrder("1", "2");
        for (int i = 0; i < 5; i++) {
            assertThat(servedVersion(requestId, null)).isEqualTo(first);
        }
        assertThat(meters.get("modelapi.traffic.split").tag("version", "2").counter().count()).isPositive();
    }

    /** The default is version 2 (the highest at start-up); a request naming version 1 is not split. */
    @Test
    void shouldLeaveARequestForAnotherVersionAlone() throws Exception {
        for (int i = 0; i < 12; i++) {
            assertThat(servedVersion("pinned-" + UUID.randomUUID(), "spam-distilbert:1")).isEqualTo("1");
        }
    }

    @Test
    void shouldAuditAndCompareTheShadowButNeverAnswerWithIt() throws Exception {
        String requestId = "shadowed-" + UUID.randomUUID();

        JsonNode answer = predict(requestId, null);

        assertThat(answer.get("models")).extracting(m -> m.get("name").asText()).containsExactly("spam-distilbert");
        await().atMost(Duration.ofSeconds(20)).until(() -> audit.countByRequestId("shadow:" + requestId) == 1);
        AuditRecord shadow = audit.findByRequestId("shadow:" + requestId).get(0);
        assertThat(shadow.channel()).isEqualTo("shadow");
        assertThat(shadow.models()).isEqualTo("spam-roberta:1");
        await().atMost(Duration.ofSeconds(20)).until(() -> audit.countByRequestId(requestId) == 1);
        assertThat(audit.findByRequestId(requestId).get(0).models()).startsWith("spam-distilbert:");
        double comparisons = meters.find("modelapi.shadow.comparisons").counters().stream()
                .mapToDouble(c -> c.count()).sum();
        assertThat(comparisons).isPositive();
    }

    @Test
    void shouldParseWeights() {
        assertThat(TrafficSplit.parse("1=90, 2=10")).containsExactly(Map.entry("1", 90.0), Map.entry("2", 10.0));
        assertThat(TrafficSplit.parse("")).isEmpty();
    }

    private String servedVersion(String requestId, String model) throws Exception {
        return predict(requestId, model).get("models").get(0).get("version").asText();
    }

    private JsonNode predict(String requestId, String model) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("X-Request-ID", requestId);
        String text = "Subject: traffic " + UUID.randomUUID() + "\n\nSee the attached agenda.";
        Object body = model == null ? Map.of("text", text) : Map.of("text", text, "models", List.of(model));
        String response = http.postForObject("/api/v1/predict",
                new HttpEntity<>(json.writeValueAsString(body), headers), String.class);
        JsonNode answer = json.readTree(response);
        assertThat(answer.has("label")).as(response).isTrue();
        return answer;
    }

    private static Path repository() {
        Path repository = TestFiles.repositoryWith("spam-distilbert", "1");
        TestFiles.copyDirectory(Path.of("models/spam-distilbert/1"), repository.resolve("spam-distilbert/2"));
        TestFiles.copyDirectory(Path.of("models/spam-roberta/1"), repository.resolve("spam-roberta/1"));
        return repository;
    }
}
