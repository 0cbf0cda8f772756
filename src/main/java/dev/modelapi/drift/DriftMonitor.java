package dev.modelapi.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleProperties;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.TextClassifier;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code drift-observe} step (bean {@code driftMonitor}, routes/pipeline.camel.yaml): each
 * caller's answer adds each answering model's probability of the positive label (the last label in
 * id order) to that model version's track, and the combined one to its named ensemble's. A track's
 * reference is the {@value #REFERENCE_FILE} its version directory ships (the held-out set scored at
 * export), else its first answers. The index, the window's size and its positive rate are gauges.
 */
public class DriftMonitor {

    public static final String REFERENCE_FILE = "drift-reference.json";
    private static final Logger log = LoggerFactory.getLogger(DriftMonitor.class);

    private final DriftProperties settings;
    private final ModelRegistry registry;
    private final EnsembleProperties ensembles;
    private final MeterRegistry meters;
    private final ConcurrentMap<String, DriftTrack> tracks = new ConcurrentHashMap<>();
    private final ObjectMapper json = new ObjectMapper();

    public DriftMonitor(DriftProperties settings, ModelRegistry registry, EnsembleProperties ensembles,
            MeterRegistry meters) {
        this.settings = settings;
        this.registry = registry;
        this.ensembles = ensembles;
        this.meters = meters;
    }

    /** An answered text of a caller (not the service's own warm-up or cache warming). */
    public void observe(PredictionTask task) {
        if (!settings.enabled() || !task.fromCaller() || !task.answered()) {
            return;
        }
        EnsembleResult result = task.result();
        List<String> labels = null;
        for (ModelVote vote : result.models()) {
            DriftTrack track = modelTrack(vote.name(), vote.version());
            if (track != null) {
                labels = track.labels;
                track.add(vote.probabilities().getOrDefault(positive(track.labels), 0.0), vote.label());
            }
        }
        if (result.ensemble() != null && labels != null) {
            DriftTrack track = track("ensemble", result.ensemble(), null, labels, null);
            if (track != null) {
                String positive = positive(labels);
                // the winner's combined probability; for two labels the other's is its complement
                double probability = result.label().equals(positive) ? result.score()
                        : labels.size() == 2 ? 1 - result.score() : 0.0;
                track.add(probability, result.label());
            }
        }
    }

    /** {@code GET /api/v1/models/{name}/drift}: a model's loaded versions, or a named ensemble. */
    public DriftView describe(String name) {
        List<DriftView.Subject> subjects = new ArrayList<>();
        List<String> labels = List.of();
        List<TextClassifier> versions = registry.all().stream().filter(c -> c.name().equals(name)).toList();
        if (!versions.isEmpty()) {
            for (TextClassifier version : versions) {
                DriftTrack track = modelTrack(name, version.version());
                if (track != null) {
                    labels = track.labels;
                    subjects.add(track.view(settings.minTexts(), settings.threshold()));
                }
            }
        } else if (ensembles.named().containsKey(name)) {
            DriftTrack track = tracks.get("ensemble:" + name);
            if (track == null) {
                labels = ensembles.named().get(name).models().stream().flatMap(m -> registry.find(m).stream())
                        .findFirst().map(TextClassifier::labels).orElse(List.of());
                track = labels.isEmpty() ? null : track("ensemble", name, null, labels, null);
            }
            if (track != null) {
                labels = track.labels;
                subjects.add(track.view(settings.minTexts(), settings.threshold()));
            }
        } else {
            throw new InvalidRequestException(404, "model_not_found",
                    "no loaded model and no named ensemble is called " + name);
        }
        return new DriftView(name, settings.threshold(), settings.minTexts(),
                labels.isEmpty() ? null : positive(labels), subjects);
    }

    private DriftTrack modelTrack(String name, String version) {
        DriftTrack known = tracks.get("model:" + name + ":" + version);
        if (known != null) {
            return known;
        }
        TextClassifier classifier = registry.find(name, version).orElse(null);
        if (classifier == null) {
            return null;
        }
        return track("model", name, version, classifier.labels(), reference(classifier.directory().path()));
    }

    private DriftTrack track(String kind, String name, String version, List<String> labels,
            DriftTrack.Reference reference) {
        String key = kind + ":" + name + (version == null ? "" : ":" + version);
        DriftTrack known = tracks.get(key);
        if (known != null) {
            return known;
        }
        if (tracks.size() >= settings.maxSubjects()) {
            return null;
        }
        return tracks.computeIfAbsent(key, k -> {
            DriftTrack track = new DriftTrack(kind, name, version, labels, reference, settings.window(),
                    settings.referenceTexts());
            Tags tags = Tags.of("subject", kind, "name", name, "version", version == null ? "" : version);
            Gauge.builder("modelapi.drift.psi", track, t -> t.psi(settings.minTexts())).tags(tags).strongReference(true)
                    .description("Population stability index of the recent answers' positive-label probabilities"
                            + " against the reference; NaN until min-texts answers")
                    .register(meters);
            Gauge.builder("modelapi.drift.window.texts", track, DriftTrack::windowTexts).tags(tags)
                    .strongReference(true).description("Answers in the drift window").register(meters);
            Gauge.builder("modelapi.drift.positive.rate", track, DriftTrack::positiveRate).tags(tags)
                    .strongReference(true).description("Share of the drift window's answers that are the positive label")
                    .register(meters);
            return track;
        });
    }

    /** The reference a version directory ships, or null (unreadable ones are logged and left out). */
    private DriftTrack.Reference reference(Path directory) {
        Path file = directory.resolve(REFERENCE_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode root = json.readTree(file.toFile());
            JsonNode counts = root.path("scoreCounts");
            if (!counts.isArray() || counts.size() != Distribution.BUCKETS) {
                throw new IOException("scoreCounts must hold " + Distribution.BUCKETS + " counts");
            }
            long[] scores = new long[Distribution.BUCKETS];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = counts.get(i).asLong();
            }
            Map<String, Long> labels = new LinkedHashMap<>();
            root.path("labelCounts").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asLong()));
            return new DriftTrack.Reference(root.path("source").asText(REFERENCE_FILE), root.path("texts").asLong(),
                    scores, labels);
        } catch (IOException e) {
            log.warn("{} is not a drift reference ({}); the first {} answers become the reference instead", file,
                    e.getMessage(), settings.referenceTexts());
            return null;
        }
    }

    private static String positive(List<String> labels) {
        return labels.get(labels.size() - 1);
    }
}
