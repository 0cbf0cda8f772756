package dev.modelapi.traffic;

import dev.modelapi.audit.AuditRecord;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.Prediction;
import dev.modelapi.model.TextClassifier;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The {@code shadow-compare} step, off the request's path (behind a wiretap): a candidate model
 * classifies a copy of the answered texts; each of its answers is audited (channel
 * {@code shadow}, request id {@code shadow:<id>}) and counted as agreeing or not with what was
 * served. It is never returned to a caller.
 */
@Component("shadowModel")
public class ShadowModel {

    static final String CHANNEL = "shadow";

    private final ModelRegistry registry;
    private final MeterRegistry meters;

    public ShadowModel(ModelRegistry registry, MeterRegistry meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /**
     * @param model {@code name} or {@code name:version}; blank switches the step off
     * @return the shadow's answers as audit rows, for the {@code shadow-audit} step; none when off
     */
    public List<AuditRecord> compare(List<PredictionTask> tasks, String model) {
        if (model == null || model.isBlank()) {
            return List.of();
        }
        ModelRef ref = ModelRef.parse(model);
        Optional<TextClassifier> candidate = ref.version() == null ? registry.find(ref.name())
                : registry.find(ref.name(), ref.version());
        List<PredictionTask> answered = tasks.stream().filter(PredictionTask::answered).toList();
        if (candidate.isEmpty() || answered.isEmpty()) {
            return List.of();
        }
        TextClassifier shadow = candidate.get();
        long started = System.nanoTime();
        List<Prediction> predictions = shadow.classify(answered.stream().map(PredictionTask::text).toList());
        long latencyMs = (System.nanoTime() - started) / 1_000_000;
        List<AuditRecord> rows = new ArrayList<>(answered.size());
        for (int i = 0; i < answered.size(); i++) {
            PredictionTask task = answered.get(i);
            Prediction prediction = predictions.get(i);
            boolean agrees = prediction.label().equals(task.result().label());
            Counter.builder("modelapi.shadow.comparisons")
                    .description("Shadow answers, by whether they agree with the answer served")
                    .tags("model", shadow.name(), "version", shadow.version(), "agreement", agrees ? "agree" : "disagree")
                    .register(meters)
                    .increment();
            AuditRecord served = AuditRecord.of(task);
            String requestId = ("shadow:" + task.requestId());
            rows.add(new AuditRecord(requestId.substring(0, Math.min(128, requestId.length())), task.index(),
                    Instant.now(), CHANNEL, task.principal(), shadow.directory().id(), served.inputSha256(),
                    task.inputLength(), prediction.label(), prediction.score(), false, answered.size(), latencyMs));
        }
        return rows;
    }
}
