package dev.modelapi.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.MlflowServer;
import dev.modelapi.testsupport.ModelsApi;
import dev.modelapi.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Loading versions from a real MLflow Model Registry: a demo model registered through MLflow's REST
 * API is fetched by alias, checked against its sha256 tags and served with the demo model's scores;
 * a tampered file or an unknown alias is refused and what was serving keeps serving.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.batching.request-timeout=5s", "modelapi.models.workers-per-model=1"})
class MlflowModelLoadTest {

    static final String DEMO = "spam-roberta";
    static final Path DEMO_FILES = Path.of("models", DEMO, "1");
    static final Path REPOSITORY = TestFiles.repositoryWith(DEMO, "1");
    static final String TEXT = "Subject: You have WON a FREE cruise\n\nClaim your prize now, click here";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("modelapi.models.directory", REPOSITORY::toString);
        registry.add("modelapi.mlflow.tracking-uri", () -> MlflowServer.shared().uri().toString());
    }

    @Test
    void shouldLoadAVersionByAliasAndScoreLikeTheLocalModel() throws Exception {
        String registered = unique("spam-roberta");
        String version = MlflowServer.shared().registerVersion(registered, DEMO_FILES, Map.of());
        MlflowServer.shared().setAlias(registered, "champion", version);
        String local = unique("fraud");

        ResponseEntity<String> load = post("/api/v1/models/" + local + "/load",
                Map.of("source", "models:/" + registered + "@champion"));

        assertThat(load.getStatusCode().value()).as(load.getBody()).isEqualTo(200);
        JsonNode loaded = ModelsApi.versionOf(json.readTree(load.getBody()), version);
        assertThat(loaded.get("state").asText()).isEqualTo("loaded");
        assertThat(REPOSITORY.resolve(local).resolve(version).resolve(DEMO + ".pt")).hasSameBinaryContentAs(DEMO_FILES.resolve(DEMO + ".pt"));
        JsonNode fromMlflow = probabilities(local + ":" + version);
        JsonNode demo = probabilities(DEMO + ":1");
        assertThat(fromMlflow.get("spam").asDouble()).isCloseTo(demo.get("spam").asDouble(), within(1e-6));
        assertThat(fromMlflow.get("ham").asDouble()).isCloseTo(demo.get("ham").asDouble(), within(1e-6));
    }

    @Test
    void shouldLoadAFixedVersionAndRefuseOneWhoseFileDoesNotMatchItsChecksum() throws Exception {
        String registered = unique("spam-roberta");
        String good = MlflowServer.shared().registerVersion(registered, DEMO_FILES, Map.of());
        String local = unique("tampered");
        assertThat(post("/api/v1/models/" + local + "/load", Map.of("source", "models:/" + registered + "/" + good))
                .getStatusCode().value()).isEqualTo(200);
        String bad = MlflowServer.shared().registerVersion(registered, DEMO_FILES,
                Map.of("sha256." + DEMO + ".pt", "0".repeat(64)));

        ResponseEntity<String> load = post("/api/v1/models/" + local + "/load",
                Map.of("source", "models:/" + registered + "/" + bad));

        assertThat(load.getStatusCode().value()).as(load.getBody()).isEqualTo(422);
        JsonNode error = json.readTree(load.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("checksum_mismatch");
        assertThat(error.get("message").asText()).contains(DEMO + ".pt");
        assertThat(REPOSITORY.resolve(local).resolve(bad)).doesNotExist();
        try (var left = Files.list(REPOSITORY.resolve(local))) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly(good);
        }
        assertThat(servedVersion(local)).isEqualTo(good);
    }

    @Test
    void shouldNotOverwriteALocalVersionThatDidNotComeFromMlflow() throws Exception {
        String registered = unique("spam-roberta");
        String version = MlflowServer.shared().registerVersion(registered, DEMO_FILES, Map.of());
        Path local = TestFiles.copyDirectory(REPOSITORY.resolve(DEMO).resolve("1"), REPOSITORY.resolve(DEMO).resolve(version));
        byte[] before = Files.readAllBytes(local.resolve(DEMO + ".pt"));

        ResponseEntity<String> load = post("/api/v1/models/" + DEMO + "/load",
                Map.of("source", "models:/" + registered + "/" + version));

        assertThat(load.getStatusCode().value()).as(load.getBody()).isEqualTo(409);
        assertThat(json.readTree(load.getBody()).get("error").get("code").asText()).isEqualTo("version_exists");
        assertThat(Files.readAllBytes(local.resolve(DEMO + ".pt"))).isEqualTo(before);
        assertThat(local.resolve(MlflowModels.SOURCE_MARKER)).doesNotExist();
    }

    @Test
    void shouldAnswerAnUnknownAliasWith404AndKeepServing() throws Exception {
        String registered = unique("spam-roberta");
        MlflowServer.shared().registerVersion(registered, DEMO_FILES, Map.of());

        ResponseEntity<String> alias = post("/api/v1/models/" + DEMO + "/load",
                Map.of("source", "models:/" + registered + "@no-such-alias"));
        ResponseEntity<String> model = post("/api/v1/models/" + DEMO + "/load",
                Map.of("source", "models:/" + unique("no-such-model") + "/1"));

        for (ResponseEntity<String> response : List.of(alias, model)) {
            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(404);
            assertThat(json.readTree(response.getBody()).get("error").get("code").asText()).isEqualTo("mlflow_model_not_found");
        }
        assertThat(servedVersion(DEMO)).isEqualTo("1");
    }

    private JsonNode probabilities(String model) throws Exception {
        ResponseEntity<String> response = post("/api/v1/predict", Map.of("text", TEXT, "models", List.of(model)));
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody()).get("models").get(0).get("probabilities");
    }

    private String servedVersion(String model) throws Exception {
        String text = "Subject: mlflow " + UUID.randomUUID() + "\n\nMeeting moved to Thursday.";
        ResponseEntity<String> response = post("/api/v1/predict", Map.of("text", text, "models", List.of(model)));
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody()).get("models").get(0).get("version").asText();
    }

    private ResponseEntity<String> post(String path, Object body) throws Exception {
        return ModelsApi.post(http, json, path, body);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
