package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDirectoryTest {

    @TempDir
    Path repository;

    Path dir;

    @BeforeEach
    void writeValidModel() throws IOException {
        dir = Files.createDirectories(repository.resolve("spam-test/3"));
        Files.writeString(dir.resolve("serving.properties"), """
                engine=PyTorch
                option.modelName=exported
                translatorFactory=ai.djl.huggingface.translator.TextClassificationTranslatorFactory
                includeTokenTypes=true
                """);
        Files.write(dir.resolve("exported.pt"), new byte[] {'P', 'K', 3, 4, 0, 0});
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"WordPiece\"}}");
        Files.writeString(dir.resolve("config.json"), "{\"id2label\": {\"1\": \"spam\", \"0\": \"ham\"}}");
    }

    @Test
    void shouldTakeNameAndVersionFromTheDirectoriesAndLabelsInIdOrder() throws Exception {
        ModelDirectory model = ModelDirectory.read(dir);

        assertThat(model.id()).isEqualTo("spam-test:3");
        assertThat(model.modelFile()).isEqualTo(dir.resolve("exported.pt"));
        assertThat(model.labels()).containsExactly("ham", "spam");
        assertThat(model.independentScores()).as("two labels of one softmax").isFalse();
        assertThat(model.includesTokenTypes()).isTrue();
    }

    @Test
    void shouldNameTheTokenizerWhenItIsMissing() throws IOException {
        Files.delete(dir.resolve("tokenizer.json"));

        assertThatThrownBy(() -> ModelDirectory.read(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tokenizer.json")
                .extracting(e -> ((ModelLoadException) e).file()).isEqualTo(dir.resolve("tokenizer.json"));
    }

    @Test
    void shouldNameTheModelFileWhenItIsNotATorchScriptArchive() throws IOException {
        Files.writeString(dir.resolve("exported.pt"), "not a zip");

        assertThatThrownBy(() -> ModelDirectory.read(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("exported.pt")
                .hasMessageContaining("not a TorchScript archive");
    }

    @Test
    void shouldNameTheModelFileWhenItIsMissing() throws IOException {
        Files.delete(dir.resolve("exported.pt"));

        assertThatThrownBy(() -> ModelDirectory.read(dir))
                .hasMessageContaining("exported.pt")
                .hasMessageContaining("missing");
    }

    @Test
    void shouldNameTheConfigWhenItHasNoId2label() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\"}");

        assertThatThrownBy(() -> ModelDirectory.read(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("id2label");
    }

    @Test
    void shouldRefuseLabelIdsWithAGap() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"id2label\": {\"0\": \"ham\", \"2\": \"spam\"}}");

        assertThatThrownBy(() -> ModelDirectory.read(dir)).hasMessageContaining("must run from 0 to 1");
    }

    @Test
    void shouldNameTheConfigWhenItIsNotJson() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"id2label\": ");

        assertThatThrownBy(() -> ModelDirectory.read(dir))
                .hasMessageContaining("config.json")
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void shouldRefuseAnEngineThatIsNotServed() throws IOException {
        Files.writeString(dir.resolve("serving.properties"), "engine=OnnxRuntime\noption.modelName=exported\n");

        assertThatThrownBy(() -> ModelDirectory.read(dir))
                .hasMessageContaining("serving.properties")
                .hasMessageContaining("OnnxRuntime");
    }

    @Test
    void shouldRequireServingProperties() throws IOException {
        Files.delete(dir.resolve("serving.properties"));

        assertThatThrownBy(() -> ModelDirectory.read(dir)).hasMessageContaining("serving.properties");
    }
}
