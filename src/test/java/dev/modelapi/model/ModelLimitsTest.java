package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import dev.modelapi.testsupport.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/** Limits on loaded models: the least recently used idle version makes room, and loads again on demand. */
class ModelLimitsTest {

    @TempDir
    Path repository;

    ModelProperties limits(int maxLoaded, DataSize maxSize) {
        return new ModelProperties(repository, 1, 64, 0, Duration.ofSeconds(5), Duration.ofSeconds(30), "auto", false, maxLoaded, maxSize, true, false,
                false, Duration.ofSeconds(30), Duration.ofMillis(20));
    }

    void copies(String... names) {
        for (String name : names) {
            TestFiles.copyDirectory(Path.of("models", "spam-distilbert", "1"), repository.resolve(name).resolve("1"));
        }
    }

    static List<String> loaded(ModelRegistry registry) {
        return registry.all().stream().map(c -> c.directory().id()).toList();
    }

    @Test
    void shouldUnloadTheLeastRecentlyUsedModelWhenTheCountLimitIsReached() throws Exception {
        copies("a", "b", "c");
        try (ModelRegistry registry = ModelRegistry.loadFrom(repository, limits(2, DataSize.ofGigabytes(1)), Duration.ofMillis(50))) {
            assertThat(loaded(registry)).containsExactly("b:1", "c:1");
            assertThat(registry.evictions()).isEqualTo(1);

            registry.find("b").orElseThrow().classify(List.of("Subject: touch b"));
            assertThat(registry.loadOnDemand("a", null)).isPresent();

            assertThat(loaded(registry)).containsExactly("a:1", "b:1");
            assertThat(registry.evictions()).isEqualTo(2);
        }
    }

    @Test
    void shouldUnloadToStayUnderTheSizeLimit() throws Exception {
        copies("a", "b", "c");
        long oneModel = Files.size(repository.resolve("a/1/spam-distilbert.pt"));
        DataSize twoModels = DataSize.ofBytes(2 * oneModel + oneModel / 2);
        try (ModelRegistry registry = ModelRegistry.loadFrom(repository, limits(10, twoModels), Duration.ofMillis(50))) {
            assertThat(registry.all()).hasSize(2);
            assertThat(registry.all().stream().mapToLong(TextClassifier::modelBytes).sum()).isLessThanOrEqualTo(twoModels.toBytes());
        }
    }

    @Test
    void shouldRefuseALoadThatCannotFitWithoutUnloadingItsOwnName() throws Exception {
        copies("a");
        try (ModelRegistry registry = ModelRegistry.loadFrom(repository, limits(1, DataSize.ofGigabytes(1)), Duration.ofMillis(50))) {
            TestFiles.copyDirectory(repository.resolve("a/1"), repository.resolve("a/2"));

            assertThatThrownBy(() -> registry.load("a", "2"))
                    .isInstanceOf(ModelCapacityException.class)
                    .hasMessageContaining("max-loaded");
            assertThat(loaded(registry)).containsExactly("a:1");
        }
    }

    @Test
    void shouldNotLoadOnDemandWhatIsNotOnDisk() throws Exception {
        copies("a");
        try (ModelRegistry registry = ModelRegistry.loadFrom(repository, limits(2, DataSize.ofGigabytes(1)), Duration.ofMillis(50))) {
            assertThat(registry.loadOnDemand("a", "9")).isEmpty();
            assertThat(registry.loadOnDemand("zzz", null)).isEmpty();
            assertThat(registry.loadOnDemand("../a", null)).isEmpty();
        }
    }
}
