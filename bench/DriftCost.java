import dev.modelapi.drift.DriftMonitor;
import dev.modelapi.drift.DriftProperties;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleProperties;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.Prediction;
import dev.modelapi.model.TextClassifier;
import dev.modelapi.pipeline.PredictionTask;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the drift-observe step costs a text, against what the model costs it (bench/drift.sh): the
 * held-out texts classified by spam-roberta one at a time (batch 1, the service's translator, one
 * thread), then the same answers handed to {@code DriftMonitor.observe} a million times over, as a
 * three-model ensemble's answer (three votes and the ensemble's track). Prints one line:
 * {@code RESULT {json}} with nanoseconds per text for each and their ratio.
 */
public class DriftCost {

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args.length > 0 ? args[0] : "models");
        List<String> texts = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(models.resolve("eval/spamassassin-test.jsonl"))) {
            if (!line.isBlank()) {
                texts.add(json.readTree(line).get("text").asText());
            }
        }
        try (ModelRegistry registry = ModelRegistry.loadFrom(models,
                new ModelProperties(models, 1, Duration.ofSeconds(60), "cpu", true))) {
            TextClassifier model = registry.find("spam-roberta").orElseThrow();
            for (String text : texts.subList(0, 100)) { // warm-up
                model.classify(List.of(text));
            }
            List<Prediction> answers = new ArrayList<>();
            long start = System.nanoTime();
            for (String text : texts) {
                answers.add(model.classify(List.of(text)).get(0));
            }
            double inferenceNanos = (System.nanoTime() - start) / (double) texts.size();

            DriftMonitor monitor = new DriftMonitor(new DriftProperties(true, 1000, 1000, 200, 0.25, 256), registry,
                    new EnsembleProperties("", List.of(), EnsembleMethod.SOFT, Map.of(), 1, Map.of(),
                            new EnsembleProperties.ModelCall(5_000, 16, 50, 4, 2, 60, 1)),
                    new SimpleMeterRegistry());
            List<String> names = List.of("spam-distilbert", "spam-roberta", "spam-deberta");
            EnsembleSpec spec = new EnsembleSpec(names.stream().map(n -> new ModelRef(n, "1")).toList(),
                    EnsembleMethod.SOFT, Map.of());
            List<PredictionTask> tasks = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                Prediction p = answers.get(i);
                PredictionTask task = new PredictionTask("bench", i, "http", "bench", texts.get(i), spec, 0);
                task.answer(new EnsembleResult(p.label(), p.score(), EnsembleMethod.SOFT, 1.0, 0.5,
                        names.stream().map(n -> new ModelVote(n, "1", p.label(), p.probabilities())).toList(),
                        List.of(), "spam-default"), false, 1);
                tasks.add(task);
            }
            int rounds = 1_000_000;
            for (int i = 0; i < rounds; i++) { // warm-up of the JIT
                monitor.observe(tasks.get(i % tasks.size()));
            }
            start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                monitor.observe(tasks.get(i % tasks.size()));
            }
            double observeNanos = (System.nanoTime() - start) / (double) rounds;
            System.out.printf("RESULT {\"texts\": %d, \"inference_ns_per_text\": %.0f, \"observe_ns_per_text\": %.0f,"
                    + " \"observe_share_of_inference\": %.6f, \"psi\": %s}%n", texts.size(), inferenceNanos,
                    observeNanos, observeNanos / inferenceNanos, monitor.describe("spam-roberta").subjects().get(0).psi());
        }
    }
}
