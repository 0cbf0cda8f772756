package dev.modelapi.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleProperties;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.Prediction;
import dev.modelapi.model.TextClassifier;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.testsupport.TestFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drift on the real spam-roberta model against the reference it ships (its held-out set, scored at
 * export): held-out texts it has not been fed in this order stay below the threshold; a stream of
 * one class only, and a stream of short chat messages (texts of another kind than the e-mails it
 * learned from), cross it. The named ensemble, which ships no reference, takes its first 200 answers
 * as one and moves with it.
 */
class DriftDetectionTest {

    static final String MODEL = "spam-roberta";
    static final String ENSEMBLE = "roberta-alone";
    static ModelRegistry registry;
    static List<JsonNode> heldOut;

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final DriftMonitor monitor = new DriftMonitor(new DriftProperties(true, 300, 200, 100, 0.25, 16), registry,
            new EnsembleProperties("", List.of(), EnsembleMethod.SOFT, Map.of(), 1,
                    Map.of(ENSEMBLE, new EnsembleProperties.Named(List.of(MODEL), EnsembleMethod.SOFT, Map.of(), 1)),
                    new EnsembleProperties.ModelCall(5_000, 16, 50, 4, 2, 60, 1)),
            meters);

    @BeforeAll
    static void load() throws Exception {
        Path repository = TestFiles.repositoryWith(MODEL, "1");
        registry = ModelRegistry.loadFrom(repository, new ModelProperties(repository, 1, Duration.ofSeconds(30), "cpu", false));
        heldOut = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(Path.of("models", "eval", "spamassassin-test.jsonl"))) {
            if (!line.isBlank()) {
                heldOut.add(json.readTree(line));
            }
        }
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    /** Each text answered by the model, as the pipeline hands it to the drift-observe step. */
    void feed(List<String> texts) {
        TextClassifier model = registry.find(MODEL).orElseThrow();
        EnsembleSpec spec = new EnsembleSpec(List.of(new ModelRef(MODEL, "1")), EnsembleMethod.SOFT, Map.of());
        for (int start = 0; start < texts.size(); start += 16) {
            List<String> batch = texts.subList(start, Math.min(texts.size(), start + 16));
            List<Prediction> predictions = model.classify(batch);
            for (int i = 0; i < batch.size(); i++) {
                Prediction p = predictions.get(i);
                PredictionTask task = new PredictionTask("drift-" + start, i, "http", "tester", batch.get(i), spec, 0);
                task.answer(new EnsembleResult(p.label(), p.score(), EnsembleMethod.SOFT, 1.0, 0.5,
                        List.of(new ModelVote(MODEL, "1", p.label(), p.probabilities())), List.of(), ENSEMBLE), false, 1);
                monitor.observe(task);
            }
        }
    }

    double psiGauge(String subject, String name, String version) {
        return meters.get("modelapi.drift.psi").tags("subject", subject, "name", name, "version", version).gauge().value();
    }

    @Test
    void shouldStayStableOnHeldOutTextsAndDriftOnOneClassOnly() {
        List<JsonNode> shuffled = new ArrayList<>(heldOut);
        Collections.shuffle(shuffled, new Random(7));
        feed(shuffled.subList(0, 300).stream().map(m -> m.get("text").asText()).toList());

        DriftView.Subject stable = monitor.describe(MODEL).subjects().get(0);
        assertThat(stable.reference().source()).contains("held-out");
        assertThat(stable.reference().texts()).isEqualTo(873);
        assertThat(stable.window().texts()).isEqualTo(300);
        assertThat(stable.psi()).isLessThan(0.1);
        assertThat(stable.state()).isEqualTo("stable");
        assertThat(psiGauge("model", MODEL, "1")).isEqualTo(stable.psi());
        DriftView.Subject ensemble = monitor.describe(ENSEMBLE).subjects().get(0);
        assertThat(ensemble.reference().source()).isEqualTo("the first 200 answers");
        assertThat(ensemble.window().texts()).isEqualTo(100);
        assertThat(psiGauge("ensemble", ENSEMBLE, "")).isLessThan(0.1);

        feed(heldOut.stream().filter(m -> m.get("label").asText().equals("spam")).limit(300)
                .map(m -> m.get("text").asText()).toList());

        DriftView.Subject drifting = monitor.describe(MODEL).subjects().get(0);
        assertThat(drifting.psi()).isGreaterThan(0.25);
        assertThat(drifting.state()).isEqualTo("drifting");
        assertThat(drifting.window().labelRates().get("spam")).as("the model's recall on spam").isGreaterThan(0.8);
        assertThat(psiGauge("ensemble", ENSEMBLE, "")).isGreaterThan(0.25);
        assertThat(monitor.describe(ENSEMBLE).subjects()).singleElement()
                .satisfies(e -> assertThat(e.state()).isEqualTo("drifting"));
    }

    @Test
    void shouldDriftOnTextsOfAnotherKind() {
        List<String> chat = new ArrayList<>();
        String[] lines = {"see you at lunch tomorrow", "Please review my pull request when you have a minute",
                "running 10 min late, start without me", "can you send me the slides from today?",
                "thanks, that fixed it!", "what time is the standup?", "happy birthday!! 🎉", "ok sounds good",
                "did you get my email about the budget?", "I'll call you after the meeting"};
        for (int i = 0; i < 300; i++) {
            chat.add(lines[i % lines.length] + (i >= lines.length ? " (" + i + ")" : ""));
        }

        feed(chat);

        assertThat(monitor.describe(MODEL).subjects().get(0).psi()).isGreaterThan(0.25);
    }

    @Test
    void shouldRefuseANameThatIsNeitherAModelNorAnEnsemble() {
        assertThatThrownBy(() -> monitor.describe("no-such-model")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("no-such-model");
    }
}
