package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.PythonClients;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;

/**
 * Generic Open Inference Protocol clients work out of the box: NVIDIA's {@code tritonclient}
 * (PyPI, installed once into {@code ~/.cache/modelapi/}) against the running service with its API
 * keys on, with the client's defaults (binary tensor data both ways), the classification
 * extension, a gzip-compressed request and plain JSON tensors; its answers are the real models'
 * and equal those of {@code /api/v1/predict/batch}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "modelapi.security.enabled=true")
class TritonClientTest {

    static final Path REQUIREMENTS = Path.of("src/test/resources/triton/requirements.txt");
    static final String KEY = "modelapi-dev-key";
    static final List<String> TEXTS = List.of(InferenceProtocolTest.SPAM, InferenceProtocolTest.HAM,
            "Ünïcödé: réunion à 10h ✓");

    @LocalServerPort
    int port;

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Test
    void shouldServeTritonsHttpClientWithItsDefaults() throws Exception {
        Path venv = PythonClients.venv("tritonclient", REQUIREMENTS);
        List<String> arguments = new java.util.ArrayList<>(List.of("127.0.0.1:" + port, KEY));
        arguments.addAll(TEXTS);

        PythonClients.Run client = PythonClients.script(venv, Path.of("src/test/resources/triton/http_client.py"),
                arguments, 120);

        assertThat(client.exitCode()).as(client.output()).isZero();
        JsonNode seen = json.readTree(client.lastLine());
        assertThat(seen.get("live").asBoolean()).isTrue();
        assertThat(seen.get("ready").asBoolean()).isTrue();
        assertThat(seen.get("ensemble_ready").asBoolean()).isTrue();
        assertThat(seen.get("server").get("extensions").toString()).contains("binary_tensor_data");
        assertThat(seen.get("model").get("name").asText()).isEqualTo("spam-roberta");
        assertThat(seen.get("id").asText()).isEqualTo("triton-http-1");
        assertThat(seen.get("wrong_key").asInt()).isEqualTo(401);
        assertThat(seen.get("unknown_model").asInt()).isEqualTo(404);

        JsonNode alone = predictBatch(Map.of("texts", TEXTS, "models", List.of("spam-roberta")));
        List<String> labels = List.of("ham", "spam"); // spam-roberta's labels in label-id order (config.json)
        for (String tensor : List.of("probabilities", "json_probabilities")) {
            JsonNode rows = seen.get(tensor);
            assertThat(rows).as(tensor).hasSize(TEXTS.size());
            for (int text = 0; text < TEXTS.size(); text++) {
                JsonNode own = alone.get("results").get(text).get("models").get(0).get("probabilities");
                for (int label = 0; label < labels.size(); label++) {
                    assertThat(rows.get(text).get(label).asDouble()).as("%s text %d %s", tensor, text, labels.get(label))
                            .isCloseTo(own.get(labels.get(label)).asDouble(), within(1e-5));
                }
            }
        }
        JsonNode ensemble = predictBatch(Map.of("texts", TEXTS, "ensemble", "spam-default"));
        for (int text = 0; text < TEXTS.size(); text++) {
            String[] best = seen.get("best").get(text).asText().split(":"); // <value>:<index>:<label>
            JsonNode result = ensemble.get("results").get(text);
            assertThat(best[2]).isEqualTo(result.get("label").asText());
            assertThat(labels.get(Integer.parseInt(best[1]))).isEqualTo(best[2]);
            assertThat(Double.parseDouble(best[0])).isCloseTo(result.get("score").asDouble(), within(1e-5));
        }
    }

    private JsonNode predictBatch(Map<String, Object> request) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        headers.set("X-API-Key", KEY);
        ResponseEntity<String> response = http.exchange("/api/v1/predict/batch", HttpMethod.POST,
                new HttpEntity<>(json.writeValueAsString(request), headers), String.class);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }
}
