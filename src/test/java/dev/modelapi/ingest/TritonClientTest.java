package dev.modelapi.ingest;

import dev.modelapi.ingest.grpc.GrpcInferenceTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.LocalPorts;
import dev.modelapi.testsupport.PythonClients;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Generic Open Inference Protocol clients work out of the box: NVIDIA's {@code tritonclient}
 * (PyPI, installed once into {@code ~/.cache/modelapi/}) against the running service with its API
 * keys on, with the client's defaults (binary tensor data both ways), the classification
 * extension, a gzip-compressed request and plain JSON tensors; and its gRPC client on the gRPC
 * API, the key in the call's metadata. Its answers are the real models' and equal those of
 * {@code /api/v1/predict/batch}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.security.enabled=true", "modelapi.grpc.enabled=true"})
class TritonClientTest {

    static final int GRPC_PORT = LocalPorts.free();

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

    @DynamicPropertySource
    static void grpcPort(DynamicPropertyRegistry registry) {
        GrpcInferenceTest.serveGrpcOn(registry, GRPC_PORT);
    }

    @Test
    void shouldServeTritonsHttpClientWithItsDefaults() throws Exception {
        JsonNode seen = run("http_client.py", "127.0.0.1:" + port);

        assertThat(seen.get("server").get("extensions").toString()).contains("binary_tensor_data");
        assertThat(seen.get("wrong_key").asInt()).isEqualTo(401);
        assertThat(seen.get("unknown_model").asInt()).isEqualTo(404);
        assertAnswers(seen, "triton-http-1", List.of("probabilities", "json_probabilities"));
    }

    @Test
    void shouldServeTritonsGrpcClientWithItsDefaults() throws Exception {
        JsonNode seen = run("grpc_client.py", "127.0.0.1:" + GRPC_PORT);

        assertThat(seen.get("server").get("extensions").toString()).contains("classification");
        assertThat(seen.get("model").get("platform").asText()).isEqualTo("pytorch_torchscript");
        assertThat(seen.get("wrong_key").asText()).isEqualTo("StatusCode.UNAUTHENTICATED");
        assertThat(seen.get("unknown_model").asText()).isEqualTo("StatusCode.NOT_FOUND");
        assertAnswers(seen, "triton-grpc-1", List.of("probabilities"));
    }

    private JsonNode run(String script, String address) throws Exception {
        Path venv = PythonClients.venv("tritonclient", REQUIREMENTS);
        List<String> arguments = new java.util.ArrayList<>(List.of(address, KEY));
        arguments.addAll(TEXTS);

        PythonClients.Run client = PythonClients.script(venv, Path.of("src/test/resources/triton", script), arguments,
                120);

        assertThat(client.exitCode()).as(client.output()).isZero();
        return json.readTree(client.lastLine());
    }

    /** What every client must see: a live, ready server, and the real models' answers, as /predict/batch gives them. */
    private void assertAnswers(JsonNode seen, String id, List<String> tensors) throws Exception {
        assertThat(seen.get("live").asBoolean()).isTrue();
        assertThat(seen.get("ready").asBoolean()).isTrue();
        assertThat(seen.get("ensemble_ready").asBoolean()).isTrue();
        assertThat(seen.get("model").get("name").asText()).isEqualTo("spam-roberta");
        assertThat(seen.get("id").asText()).isEqualTo(id);

        JsonNode alone = predictBatch(Map.of("texts", TEXTS, "models", List.of("spam-roberta")));
        List<String> labels = List.of("ham", "spam"); // spam-roberta's labels in label-id order (config.json)
        for (String tensor : tensors) {
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
        return GrpcInferenceTest.predictBatch(http, json, request);
    }
}
