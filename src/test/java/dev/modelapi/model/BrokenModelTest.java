package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import dev.modelapi.testsupport.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken copies of a real demo model next to a good one: each fails naming its file, the good one serves. */
class BrokenModelTest {

    private static final ModelProperties SETTINGS =
            new ModelProperties(Path.of("unused"), 1, Duration.ofSeconds(60), "auto", true);

    @TempDir
    static Path repository;

    static ModelRegistry registry;

    @BeforeAll
    static void writeRepository() throws IOException {
        String demo = EvalData.modelsWithReferenceLogits().get(0);
        Path source = EvalData.MODELS.resolve(demo).resolve("1");
        String modelFile = demo + ".pt";

        copy(source, repository.resolve("good/1"));

        Files.delete(copy(source, repository.resolve("no-tokenizer/1")).resolve("tokenizer.json"));

        Path corrupt = copy(source, repository.resolve("corrupt-pt/1")).resolve(modelFile);
        byte[] bytes = Files.readAllBytes(corrupt);
        Files.write(corrupt, java.util.Arrays.copyOf(bytes, bytes.length / 3)); // a zip cut short

        Path config = copy(source, repository.resolve("no-id2label/1")).resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"id2label\"", "\"renamed\""));

        Path signature = copy(source, repository.resolve("wrong-signature/1")).resolve("serving.properties");
        String properties = Files.readString(signature);
        Files.writeString(signature, properties.contains("includeTokenTypes=true")
                ? properties.replace("includeTokenTypes=true", "includeTokenTypes=false")
                : properties + "includeTokenTypes=true\n");

        registry = ModelRegistry.loadFrom(repository, SETTINGS);
    }

    @Test
    void shouldKeepServingTheGoodModel() {
        List<Prediction> predictions = registry.find("good").orElseThrow()
                .classify(List.of("Subject: lunch\n\nSee you at noon.", "Subject: WIN $$$\n\nClick here to claim your prize"));

        assertThat(predictions).hasSize(2);
        assertThat(registry.all()).extracting(TextClassifier::name).containsExactly("good");
    }

    @Test
    void shouldNameTheMissingTokenizer() {
        assertThat(registry.failures().get("no-tokenizer:1")).contains("no-tokenizer/1/tokenizer.json", "missing");
    }

    @Test
    void shouldNameTheCorruptModelFile() {
        assertThat(registry.failures().get("corrupt-pt:1")).contains("corrupt-pt/1/", ".pt");
    }

    @Test
    void shouldNameTheConfigWithoutId2label() {
        assertThat(registry.failures().get("no-id2label:1")).contains("no-id2label/1/config.json", "id2label");
    }

    @Test
    void shouldNameTheModelFileWhenItsInputsDoNotMatchServingProperties() {
        assertThat(registry.failures().get("wrong-signature:1")).contains("wrong-signature/1/", ".pt");
    }

    @Test
    void shouldKeepTheOldVersionServingWhenANewOneFailsToLoad() throws IOException {
        Path broken = Files.createDirectories(repository.resolve("good/2"));
        Files.writeString(broken.resolve("serving.properties"), "engine=PyTorch\n");

        assertThat(registry.tryLoad(broken)).isEmpty();

        assertThat(registry.failures().get("good:2")).contains("good/2/good.pt");
        assertThat(registry.find("good").orElseThrow().version()).isEqualTo("1");
    }

    /** A copy without the checksum manifest: these tests break files to see the check that names each break. */
    private static Path copy(Path from, Path to) {
        Path copy = TestFiles.copyDirectory(from, to);
        try {
            Files.deleteIfExists(copy.resolve(ModelDirectory.MANIFEST));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return copy;
    }
}
