package dev.modelapi.ensemble;

import dev.modelapi.errors.InvalidModelOutputException;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.errors.ModelUnavailableException;
import dev.modelapi.model.Prediction;
import dev.modelapi.model.TextClassifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;

/**
 * The model call inside each model's circuit breaker (route template {@code model-call}): a batch
 * of texts through one model version. An answer that is not a probability distribution over the
 * model's labels is a failure, so that the breaker counts it and the vote leaves it out.
 */
@Component("modelInvoker")
public class ModelInvoker {

    /** How far a model's probabilities may add up away from 1 (float32 softmax rounding is far below). */
    static final double SUM_TOLERANCE = 1e-3;

    private final ModelRegistry registry;
    private final MeterRegistry meters;
    private final Map<ModelRef, Meters> meterCache = new ConcurrentHashMap<>();

    public ModelInvoker(ModelRegistry registry, MeterRegistry meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /**
     * The batch through one model version on a forward thread, waiting at most {@code timeoutMillis}
     * for the answer: past it the call fails with a {@link TimeoutException} (the breaker counts it, the
     * vote leaves the model out) and the batch, if still queued, never runs. A hung forward holds one
     * of its model's predictors and a forward thread, which a spare replaces (modelapi.models.stalled-forward).
     */
    public ModelAnswer classify(List<String> texts, String modelId, long timeoutMillis) throws TimeoutException {
        ModelRef ref = ModelRef.parse(modelId);
        TextClassifier classifier = registry.findForInference(ref.name(), ref.version())
                .orElseThrow(() -> new ModelUnavailableException(modelId + " is not loaded"));
        Meters meters = metersOf(ref);
        List<Prediction> predictions = await(classifier.run(() -> {
            long started = System.nanoTime();
            List<Prediction> answer = predict(classifier, texts);
            meters.compute.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            return answer;
        }), timeoutMillis, modelId);
        meters.executions.increment();
        meters.texts.increment(texts.size());
        check(ref, texts.size(), predictions);
        return ModelAnswer.answered(ref, predictions);
    }

    private static List<Prediction> await(CompletableFuture<List<Prediction>> answer, long timeoutMillis, String modelId)
            throws TimeoutException {
        try {
            return answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(false);
            throw new TimeoutException(modelId + " gave no answer within " + timeoutMillis + " ms");
        } catch (InterruptedException e) {
            answer.cancel(false);
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException(modelId + ": interrupted while waiting for its answer");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(modelId + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** The model's meters, made once per model version rather than looked up on every call. */
    private record Meters(Timer compute, Counter executions, Counter texts) {
    }

    private Meters metersOf(ModelRef ref) {
        return meterCache.computeIfAbsent(ref, r -> new Meters(
                Timer.builder("modelapi.inference.compute")
                        .description("Time one model took for one batch on a forward thread, tokenising included")
                        .tags("model", r.name(), "version", String.valueOf(r.version()))
                        .publishPercentileHistogram()
                        .register(meters),
                Counter.builder("modelapi.inference.executions")
                        .description("Batches a model ran (inferences / executions = its mean batch size)")
                        .tags("model", r.name(), "version", String.valueOf(r.version())).register(meters),
                Counter.builder("modelapi.inference.count").description("Texts a model classified")
                        .tags("model", r.name(), "version", String.valueOf(r.version())).register(meters)));
    }

    /** The inference itself, on a forward thread; the fault-injection tests override it to make a real model throw, hang or answer NaN. */
    protected List<Prediction> predict(TextClassifier classifier, List<String> texts) {
        return classifier.classify(texts);
    }

    /** Throws {@link InvalidModelOutputException} unless every prediction is a probability distribution. */
    static void check(ModelRef model, int texts, List<Prediction> predictions) {
        if (predictions.size() != texts) {
            throw new InvalidModelOutputException(model + " answered " + predictions.size() + " of " + texts + " texts");
        }
        for (int i = 0; i < predictions.size(); i++) {
            Map<String, Double> probabilities = predictions.get(i).probabilities();
            if (probabilities.isEmpty()) {
                throw new InvalidModelOutputException(model + " gave no probabilities for text " + i);
            }
            double sum = 0;
            for (Map.Entry<String, Double> p : probabilities.entrySet()) {
                double value = p.getValue() == null ? Double.NaN : p.getValue();
                if (!(value >= 0 && value <= 1)) {
                    throw new InvalidModelOutputException(model + " gave P(" + p.getKey() + ") = " + value
                            + " for text " + i);
                }
                sum += value;
            }
            if (Math.abs(sum - 1) > SUM_TOLERANCE) {
                throw new InvalidModelOutputException(model + "'s probabilities for text " + i + " add up to " + sum);
            }
        }
    }
}
