package dev.modelapi.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.testsupport.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Named ensembles and what a request may ask for, against a registry holding two real demo models
 * a copy of one that answers with other labels ({@code ok}, {@code phish}) and one with the same
 * labels in the other order.
 */
class EnsembleResolverTest {

    static ModelRegistry registry;

    static final EnsembleProperties.Named PAIR = new EnsembleProperties.Named(
            List.of("spam-distilbert", "spam-roberta:1"), EnsembleMethod.WEIGHTED, Map.of("spam-roberta", 3.0), 0);
    static final EnsembleProperties.Named LENIENT = new EnsembleProperties.Named(
            List.of("spam-distilbert", "spam-roberta"), EnsembleMethod.HARD, Map.of(), 1);

    @BeforeAll
    static void loadModels() throws IOException {
        Path repository = TestFiles.repositoryWith("spam-distilbert", "1");
        TestFiles.copyDirectory(Path.of("models/spam-roberta/1"), repository.resolve("spam-roberta/1"));
        Path phish = TestFiles.copyDirectory(Path.of("models/spam-distilbert/1"), repository.resolve("phish-x/1"));
        Path config = phish.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"ham\"", "\"ok\"").replace("\"spam\"", "\"phish\""));
        TestFiles.writeManifest(phish, false); // its labels changed: its checksums too
        Path swapped = TestFiles.copyDirectory(Path.of("models/spam-distilbert/1"), repository.resolve("swapped-x/1"));
        Path swappedConfig = swapped.resolve("config.json");
        Files.writeString(swappedConfig, Files.readString(swappedConfig).replace("\"ham\"", "\"tmp\"")
                .replace("\"spam\"", "\"ham\"").replace("\"tmp\"", "\"spam\""));
        TestFiles.writeManifest(swapped, false);
        registry = ModelRegistry.loadFrom(repository, new ModelProperties(repository, 1, Duration.ofSeconds(5), "cpu", false));
        assertThat(registry.all()).hasSize(4);
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    static EnsembleProperties settings(Map<String, EnsembleProperties.Named> named, String defaultEnsemble) {
        return new EnsembleProperties(defaultEnsemble, List.of("spam-distilbert", "spam-roberta"), EnsembleMethod.SOFT,
                Map.of(), 1, named, new EnsembleProperties.ModelCall(10_000, 4, 50, 20, 10, 30, 3));
    }

    static EnsembleResolver resolver(Map<String, EnsembleProperties.Named> named, String defaultEnsemble) {
        return new EnsembleResolver(registry, settings(named, defaultEnsemble));
    }

    @Test
    void shouldResolveANamedEnsembleWithItsVoteWeightsAndQuorum() {
        EnsembleSpec spec = resolver(Map.of("pair", PAIR), "").resolve("pair", null, null, null, null);

        assertThat(spec.models()).containsExactly(new ModelRef("spam-distilbert", "1"), new ModelRef("spam-roberta", "1"));
        assertThat(spec.method()).isEqualTo(EnsembleMethod.WEIGHTED);
        assertThat(spec.weights()).containsEntry("spam-roberta", 3.0).containsEntry("spam-distilbert", 1.0);
        assertThat(spec.quorum()).isEqualTo(2); // 0 means every model
        assertThat(spec.name()).isEqualTo("pair");
    }

    @Test
    void shouldLetTheRequestOverrideTheVoteAndQuorumOfANamedEnsemble() {
        EnsembleSpec spec = resolver(Map.of("pair", PAIR), "").resolve("pair", null, "soft", null, 1);

        assertThat(spec.method()).isEqualTo(EnsembleMethod.SOFT);
        assertThat(spec.weights()).isEmpty();
        assertThat(spec.quorum()).isEqualTo(1);
        assertThat(resolver(Map.of("pair", PAIR), "").resolve("pair", null, null, null, 9).quorum())
                .as("a quorum above the models' count asks for every model").isEqualTo(2);
        assertThat(spec.key()).isNotEqualTo(resolver(Map.of("pair", PAIR), "").resolve("pair", null, null, null, null).key());
    }

    @Test
    void shouldUseTheDefaultEnsembleOnlyWhenTheRequestNamesNoModels() {
        EnsembleResolver resolver = resolver(Map.of("pair", PAIR, "lenient", LENIENT), "lenient");

        assertThat(resolver.resolve(null, null, null, null, null).name()).isEqualTo("lenient");
        assertThat(resolver.resolve(null, null, null, null, null).method()).isEqualTo(EnsembleMethod.HARD);
        EnsembleSpec chosen = resolver.resolve(null, List.of("spam-roberta"), null, null, null);
        assertThat(chosen.name()).isNull();
        assertThat(chosen.models()).containsExactly(new ModelRef("spam-roberta", "1"));
    }

    @Test
    void shouldRefuseWhatARequestCannotAskFor() {
        EnsembleResolver resolver = resolver(Map.of("pair", PAIR), "");

        assertThatThrownBy(() -> resolver.resolve("nope", null, null, null, null))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("unknown_ensemble");
                    assertThat(e.getMessage()).contains("pair");
                });
        assertThatThrownBy(() -> resolver.resolve("pair", List.of("spam-roberta"), null, null, null))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.code()).isEqualTo("invalid_ensemble"));
        assertThatThrownBy(() -> resolver.resolve(null, null, null, null, 0))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void shouldRefuseModelsWithOtherLabelsInARequest() {
        assertThatThrownBy(() -> resolver(Map.of(), "").resolve(null, List.of("spam-distilbert", "phish-x"), null, null, null))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("incompatible_labels");
                    assertThat(e.getMessage()).contains("[ham, spam]", "[ok, phish]");
                });
    }

    @Test
    void shouldTakeModelsWithTheSameLabelsInAnotherOrder() {
        assertThat(registry.find("swapped-x").orElseThrow().labels()).containsExactly("spam", "ham");
        assertThat(registry.find("spam-distilbert").orElseThrow().labels()).containsExactly("ham", "spam");

        EnsembleSpec spec = resolver(Map.of(), "").resolve(null, List.of("spam-distilbert", "swapped-x"), null, null, null);

        assertThat(spec.models()).containsExactly(new ModelRef("spam-distilbert", "1"), new ModelRef("swapped-x", "1"));
    }

    @Test
    void shouldRefuseToStartWithANamedEnsembleThatCannotWork() {
        EnsembleProperties.Named mixed = new EnsembleProperties.Named(List.of("spam-distilbert", "phish-x"),
                EnsembleMethod.SOFT, Map.of(), 0);
        EnsembleProperties.Named tooStrict = new EnsembleProperties.Named(List.of("spam-distilbert"),
                EnsembleMethod.SOFT, Map.of(), 2);

        assertThatThrownBy(() -> resolver(Map.of("mixed", mixed), ""))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ensemble mixed").hasMessageContaining("[ok, phish]");
        assertThatThrownBy(() -> resolver(Map.of("strict", tooStrict), ""))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("quorum 2");
        assertThatThrownBy(() -> resolver(Map.of("pair", PAIR), "missing"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("default-ensemble");
    }
}
