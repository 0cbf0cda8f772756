package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import dev.modelapi.testsupport.ModelsApi;
import dev.modelapi.testsupport.TestFiles;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The model manager over HTTP, on a repository of its own holding copies of a real demo model:
 * versions are loaded, made the default, rolled back and unloaded while predictions flow.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.batching.request-timeout=5s", "modelapi.models.workers-per-model=1"})
class ModelLifecycleTest {

    static final String MODEL = "spam-distilbert";
    static final Path REPOSITORY = TestFiles.repositoryWith(MODEL, "1");

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("modelapi.models.directory", REPOSITORY::toString);
    }

    @Test
    void shouldListAndDescribeTheLoadedModel() throws Exception {
        JsonNode models = json.readTree(http.getForObject("/api/v1/models", String.class)).get("models");

        assertThat(models).hasSize(1);
        JsonNode model = models.get(0);
        assertThat(model.get("name").asText()).isEqualTo(MODEL);
        JsonNode one = ModelsApi.versionOf(model, "1");
        assertThat(one.get("state").asText()).isEqualTo("loaded");
        assertThat(one.get("labels")).extracting(JsonNode::asText).containsExactly("ham", "spam");
        assertThat(one.get("inputs")).extracting(JsonNode::asText).containsExactly("input_ids", "attention_mask");
        assertThat(one.get("modelBytes").asLong()).isPositive();
        // measured at load (resident memory gained), not the file size; 0 where freed memory was reused
        assertThat(one.get("memoryBytes").asLong()).isNotNegative().isNotEqualTo(one.get("modelBytes").asLong());
        assertThat(one.get("source").asText()).endsWith(MODEL + "/1");
        // the fields of a loaded version, lastUsed included while it is null
        // the files' fingerprint, which the prediction cache keys on
        assertThat(one.get("sha256").asText()).matches("[0-9a-f]{64}");
        assertThat(one.fieldNames()).toIterable().containsExactly("version", "state", "source", "sha256", "verified", "labels", "inputs",
                "modelBytes", "memoryBytes", "workers", "loadTimeMs", "loadedAt", "lastUsed");
        assertThat(model.fieldNames()).toIterable().containsExactly("name", "defaultVersion", "versions");
    }

    @Test
    void shouldLoadAVersionMakeItTheDefaultRollBackAndUnloadIt() throws Exception {
        copyVersion("1", "2");

        JsonNode loaded = command("load", "2");
        assertThat(ModelsApi.versionOf(loaded, "2").get("state").asText()).isEqualTo("loaded");
        assertThat(loaded.get("defaultVersion").asText()).isEqualTo("1");
        assertThat(servedVersion(List.of())).isEqualTo("1");
        assertThat(servedVersion(List.of(MODEL + ":2"))).isEqualTo("2");

        assertThat(command("default", "2").get("defaultVersion").asText()).isEqualTo("2");
        assertThat(servedVersion(List.of())).isEqualTo("2");

        assertThat(command("rollback", null).get("defaultVersion").asText()).isEqualTo("1");
        assertThat(servedVersion(List.of())).isEqualTo("1");

        JsonNode unloaded = command("unload", "2");
        assertThat(ModelsApi.versionOf(unloaded, "2").get("state").asText()).isEqualTo("available");
        // on disk and not loaded: no error, no load's figures
        assertThat(ModelsApi.versionOf(unloaded, "2").fieldNames()).toIterable().containsExactly("version", "state");
        ResponseEntity<String> gone = predict(List.of(MODEL + ":2"));
        assertThat(gone.getStatusCode().value()).isEqualTo(404);
        assertThat(json.readTree(gone.getBody()).get("error").get("code").asText()).isEqualTo("unknown_model");
    }

    @Test
    void shouldLoadTheHighestVersionByNameAndUnloadEveryVersionByName() throws Exception {
        String copy = "spam-copy";
        TestFiles.copyDirectory(Path.of("models", MODEL, "1"), REPOSITORY.resolve(copy).resolve("2"));
        TestFiles.copyDirectory(Path.of("models", MODEL, "1"), REPOSITORY.resolve(copy).resolve("10"));
        String path = "/api/v1/models/" + copy;

        ResponseEntity<String> byName = post(path + "/load", Map.of());
        assertThat(byName.getStatusCode().value()).as(byName.getBody()).isEqualTo(200);
        JsonNode loaded = json.readTree(byName.getBody());
        assertThat(ModelsApi.versionOf(loaded, "10").get("state").asText()).as("10 is higher than 2").isEqualTo("loaded");
        assertThat(ModelsApi.versionOf(loaded, "2").get("state").asText()).isEqualTo("available");
        assertThat(post(path + "/load", Map.of("version", "2")).getStatusCode().value()).isEqualTo(200);

        ResponseEntity<String> unloaded = post(path + "/unload", Map.of());
        assertThat(unloaded.getStatusCode().value()).as(unloaded.getBody()).isEqualTo(200);
        assertThat(json.readTree(unloaded.getBody()).get("versions")).extracting(v -> v.get("state").asText())
                .containsOnly("available");
        ResponseEntity<String> noneLeft = post(path + "/unload", Map.of());
        assertThat(noneLeft.getStatusCode().value()).isEqualTo(404);
        assertThat(json.readTree(noneLeft.getBody()).at("/error/code").asText()).isEqualTo("model_not_loaded");
        ResponseEntity<String> nothingOnDisk = post("/api/v1/models/no-such-model/load", Map.of());
        assertThat(nothingOnDisk.getStatusCode().value()).isEqualTo(404);
        assertThat(json.readTree(nothingOnDisk.getBody()).at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(servedVersion(List.of())).as("the other model serves on").isEqualTo("1");
    }

    @Test
    void shouldLoadALoadedVersionAgainOnlyWhenItsFilesChanged() throws Exception {
        Path five = copyVersion("1", "5");
        JsonNode first = ModelsApi.versionOf(command("load", "5"), "5");

        JsonNode again = ModelsApi.versionOf(command("load", "5"), "5");
        assertThat(again.get("loadedAt").asText()).as("the same files: not loaded again").isEqualTo(first.get("loadedAt").asText());

        // an operator's edit, with the manifest written again for the new files
        Files.writeString(five.resolve("config.json"), Files.readString(five.resolve("config.json")) + "\n");
        TestFiles.writeManifest(five, false);
        JsonNode changed = ModelsApi.versionOf(command("load", "5"), "5");
        assertThat(changed.get("sha256").asText()).isNotEqualTo(first.get("sha256").asText());
        assertThat(changed.get("loadedAt").asText()).isNotEqualTo(first.get("loadedAt").asText());
        command("unload", "5");
    }

    @Test
    void shouldAnswer404ForAVersionThatIsNotInTheRepository() throws Exception {
        ResponseEntity<String> response = post("/api/v1/models/" + MODEL + "/load", Map.of("version", "0.1.0-SNAPSHOT"));

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(404);
        assertThat(json.readTree(response.getBody()).at("/error/code").asText()).isEqualTo("model_not_found");
        assertThat(servedVersion(List.of())).isEqualTo("1");
    }

    @Test
    void shouldRefuseABrokenVersionNamingTheFileAndKeepServing() throws Exception {
        Path broken = copyVersion("1", "3").resolve(MODEL + ".pt");
        byte[] bytes = Files.readAllBytes(broken);
        Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        ResponseEntity<String> response = post("/api/v1/models/" + MODEL + "/load", Map.of("version", "3"));

        assertThat(response.getStatusCode().value()).isEqualTo(422);
        JsonNode error = json.readTree(response.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("model_load_failed");
        assertThat(error.get("message").asText()).contains(MODEL + "/3/" + MODEL + ".pt");
        assertThat(servedVersion(List.of())).isEqualTo("1");
        JsonNode model = json.readTree(http.getForObject("/api/v1/models/" + MODEL, String.class));
        assertThat(ModelsApi.versionOf(model, "3").get("state").asText()).isEqualTo("failed");
        assertThat(ModelsApi.versionOf(model, "3").get("error").asText()).contains(MODEL + ".pt");
    }

    @Test
    void shouldFailNoRequestWhileVersionsAreSwappedUnderTraffic() throws Exception {
        copyVersion("1", "4");
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                statuses.add(clients.submit(() -> predict(List.of()).getStatusCode().value()));
            }
            command("load", "4");
            command("default", "4");
            command("rollback", null);
            command("unload", "4");
            for (Future<Integer> status : statuses) {
                assertThat(status.get()).isEqualTo(200);
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void shouldAnswerAnUnknownModelOrCommandWith404() throws Exception {
        ResponseEntity<String> model = http.getForEntity("/api/v1/models/no-such-model", String.class);
        ResponseEntity<String> command = post("/api/v1/models/" + MODEL + "/explode", Map.of());

        assertThat(model.getStatusCode().value()).isEqualTo(404);
        assertThat(json.readTree(model.getBody()).get("error").get("code").asText()).isEqualTo("model_not_found");
        assertThat(command.getStatusCode().value()).isEqualTo(404);
        assertThat(json.readTree(command.getBody()).get("error").get("code").asText()).isEqualTo("unknown_command");
    }

    @Test
    void shouldRefuseACommandWhoseVersionIsNotAString() throws Exception {
        ResponseEntity<String> response = post("/api/v1/models/" + MODEL + "/load", Map.of("version", 2));

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
        JsonNode error = json.readTree(response.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("invalid_command");
        assertThat(error.get("message").asText()).isEqualTo("\"version\" must be a string");
    }

    private JsonNode command(String command, String version) throws Exception {
        ResponseEntity<String> response = post("/api/v1/models/" + MODEL + "/" + command,
                version == null ? Map.of() : Map.of("version", version));
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }

    private String servedVersion(List<String> models) throws Exception {
        ResponseEntity<String> response = predict(models);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody()).get("models").get(0).get("version").asText();
    }

    private ResponseEntity<String> predict(List<String> models) throws Exception {
        String text = "Subject: lifecycle " + UUID.randomUUID() + "\n\nMeeting moved to Thursday.";
        return post("/api/v1/predict", models.isEmpty() ? Map.of("text", text) : Map.of("text", text, "models", models));
    }

    private ResponseEntity<String> post(String path, Object body) throws Exception {
        return ModelsApi.post(http, json, path, body);
    }

    private static Path copyVersion(String from, String to) {
        return TestFiles.copyDirectory(REPOSITORY.resolve(MODEL).resolve(from), REPOSITORY.resolve(MODEL).resolve(to));
    }
}
