package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.testsupport.TestFiles;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Variants ({@code <version>-<kind>} directories such as {@code 1-int8}): left on disk at start-up
 * unless asked for, loaded when named, and never a name's default while a plain version is loaded.
 */
class ModelVariantsTest {

    private static final String MODEL = "spam-distilbert";

    @TempDir
    Path repository;

    ModelProperties settings(boolean variantsAtStartUp) {
        return new ModelProperties(repository, 1, 64, 0, Duration.ofSeconds(5), Duration.ofSeconds(30), "cpu", false, 32,
                DataSize.ofGigabytes(4), true, false, variantsAtStartUp, Duration.ofSeconds(30), Duration.ofMillis(20));
    }

    void versions(String... versions) {
        for (String version : versions) {
            TestFiles.copyDirectory(Path.of("models", MODEL, "1"), repository.resolve(MODEL).resolve(version));
        }
    }

    @Test
    void shouldTellAVariantFromAVersion() {
        assertThat(ModelRegistry.isVariant("1-int8")).isTrue();
        assertThat(ModelRegistry.isVariant("12-onnx.fp16")).isTrue();
        assertThat(ModelRegistry.isVariant("1")).isFalse();
        assertThat(ModelRegistry.isVariant("v2")).isFalse();
        assertThat(ModelRegistry.isVariant("int8")).isFalse();
        assertThat(ModelRegistry.isVariant("1-")).isFalse();
    }

    @Test
    void shouldLeaveVariantsOnDiskAtStartUpAndLoadOneWhenARequestNamesIt() {
        versions("1", "1-int8", "2", "2-int8");
        try (ModelRegistry registry = ModelRegistry.loadFrom(repository, settings(false), Duration.ofMillis(50))) {
            assertThat(registry.all()).extracting(TextClassifier::version).containsExactlyInAnyOrder("1", "2");
            assertThat(registry.versionsOnDisk(MODEL)).containsExactly("1", "2", "1-int8", "2-int8");
            assertThat(registry.defaultVersion(MODEL)).contains("2");

            assertThat(registry.loadOnDemand(MODEL, "2-int8")).isPresent();

            assertThat(registry.find(MODEL, "2-int8")).isPresent();
            assertThat(registry.defaultVersion(MODEL)).contains("2");
        }
    }

    @Test
    void shouldKeepAPlainVersionTheDefaultWhenVariantsLoadAtStartUp() {
        versions("1", "2-int8", "2");
        try (ModelRegistry registry = ModelRegistry.loadFrom(repository, settings(true), Duration.ofMillis(50))) {
            assertThat(registry.all()).extracting(TextClassifier::version).containsExactlyInAnyOrder("1", "2", "2-int8");
            assertThat(registry.defaultVersion(MODEL)).contains("2");

            // the default unloaded: the highest plain version left, not the variant
            assertThat(registry.unload(MODEL, "2")).isTrue();
            assertThat(registry.defaultVersion(MODEL)).contains("1");
            assertThat(registry.find(MODEL).orElseThrow().version()).isEqualTo("1");

            // only a variant left: it serves
            assertThat(registry.unload(MODEL, "1")).isTrue();
            assertThat(registry.find(MODEL).orElseThrow().version()).isEqualTo("2-int8");
        }
    }

    @Test
    void shouldLoadTheHighestPlainVersionWhenTheApiNamesNoVersion() {
        versions("1", "1-int8");
        try (ModelRegistry onDisk = ModelRegistry.loadFrom(repository, settings(false), Duration.ofMillis(50))) {
            assertThat(onDisk.unload(MODEL, "1")).isTrue();
            assertThat(onDisk.all()).isEmpty();

            ModelView view = new ModelOperations(onDisk).load(MODEL, null);

            assertThat(view.defaultVersion()).isEqualTo("1");
            assertThat(onDisk.find(MODEL, "1-int8")).isEmpty();
        }
    }
}
