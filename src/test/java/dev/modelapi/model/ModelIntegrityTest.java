package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checksum manifest of a model version ({@code sha256sums}, as {@code sha256sum} writes it):
 * the demo models ship with one, every listed file is checked at load, a mismatch refuses the
 * load naming the file while the version loaded before serves on, and a setting requires one.
 */
class ModelIntegrityTest {

    static final String MODEL = "spam-distilbert";

    @TempDir
    Path repository;

    Path copy(String version) {
        return TestFiles.copyDirectory(Path.of("models", MODEL, "1"), repository.resolve(MODEL).resolve(version));
    }

    @Test
    void shouldVerifyEveryDemoModelAgainstItsManifest() throws Exception {
        for (String model : List.of("spam-distilbert", "spam-roberta", "spam-deberta")) {
            ModelDirectory directory = ModelDirectory.read(Path.of("models", model, "1"), true);
            assertThat(directory.verified()).as(model).isTrue();
        }
    }

    @Test
    void shouldRefuseAListedFileThatChangedNamingIt() throws Exception {
        Path version = copy("1");
        Path tokenizer = version.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer) + "\n"); // still a valid tokenizer

        assertThatThrownBy(() -> ModelDirectory.read(version)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(MODEL + "/1/tokenizer.json: sha256 is ")
                .hasMessageContaining("sha256sums says");
    }

    @Test
    void shouldRefuseAManifestThatLeavesOutAFileThatDecidesTheAnswers() throws Exception {
        Path version = copy("1");
        Path manifest = version.resolve("sha256sums");
        Files.write(manifest, Files.readAllLines(manifest).stream().filter(l -> !l.endsWith(".pt")).toList());

        assertThatThrownBy(() -> ModelDirectory.read(version)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("sha256sums: does not list " + MODEL + ".pt");
    }

    @Test
    void shouldRefuseAManifestThatNamesAFileElsewhereOrIsNotOne() throws Exception {
        Path version = copy("1");
        Path manifest = version.resolve("sha256sums");
        List<String> lines = Files.readAllLines(manifest);

        Files.writeString(manifest, String.join("\n", lines) + "\n" + "0".repeat(64) + "  ../../etc/passwd\n");
        assertThatThrownBy(() -> ModelDirectory.read(version)).hasMessageContaining("not a file of this directory");

        Files.writeString(manifest, String.join("\n", lines) + "\nthis is not a checksum line\n");
        assertThatThrownBy(() -> ModelDirectory.read(version)).hasMessageContaining("line " + (lines.size() + 1));

        Files.writeString(manifest, String.join("\n", lines) + "\n" + "0".repeat(64) + "  vocab-extra.txt\n");
        assertThatThrownBy(() -> ModelDirectory.read(version)).hasMessageContaining("vocab-extra.txt: listed in sha256sums but missing");
    }

    @Test
    void shouldRequireAManifestOnlyWhenTheSettingSaysSo() throws Exception {
        Path version = copy("1");
        Files.delete(version.resolve("sha256sums"));

        assertThat(ModelDirectory.read(version).verified()).isFalse();
        assertThatThrownBy(() -> ModelDirectory.read(version, true)).hasMessageContaining("sha256sums: missing");
        // with a manifest written as sha256sum writes it (binary-mode star included), it loads verified
        TestFiles.writeManifest(version, true);
        assertThat(ModelDirectory.read(version, true).verified()).isTrue();
    }

    @Test
    void shouldKeepTheLoadedVersionServingWhenANewOnesFilesDoNotMatch() throws Exception {
        copy("1");
        Path tampered = copy("2").resolve(MODEL + ".pt");
        byte[] bytes = Files.readAllBytes(tampered);
        bytes[bytes.length / 2] ^= 0x01; // one bit, deep inside the archive: still a zip to a glance
        Files.write(tampered, bytes);
        ModelProperties settings = new ModelProperties(repository, 1, Duration.ofSeconds(30), "cpu", false);
        try (ModelRegistry registry = ModelRegistry.loadFrom(repository, settings)) {
            assertThat(registry.find(MODEL).orElseThrow().version()).isEqualTo("1");
            assertThat(registry.failures().get(MODEL + ":2")).contains(MODEL + "/2/" + MODEL + ".pt: sha256 is ");

            assertThatThrownBy(() -> registry.load(MODEL, "2")).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining(MODEL + ".pt");

            TextClassifier serving = registry.find(MODEL).orElseThrow();
            assertThat(serving.version()).isEqualTo("1");
            assertThat(serving.directory().verified()).isTrue();
            assertThat(serving.classify(List.of("Subject: lunch on Friday?"))).hasSize(1);
            ModelView view = new ModelOperations(registry).describe(MODEL);
            assertThat(view.versions()).anySatisfy(v -> assertThat(v).isInstanceOfSatisfying(ModelView.Loaded.class,
                    loaded -> assertThat(loaded.verified()).isTrue()));
        }
    }
}
