package dev.modelapi.traffic;

import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.springframework.stereotype.Component;

/**
 * The {@code ab-split} step: requests that get a model's default version are shared between
 * versions by weight, for example {@code 1=90,2=10}. The choice hashes the request id, so a
 * request's texts (and a retried request) stay on one version. A request that names another
 * version than the default keeps it; a version in the weights that is not loaded gets no traffic.
 */
@Component("trafficSplit")
public class TrafficSplit {

    private final ModelRegistry registry;
    private final MeterRegistry meters;

    public TrafficSplit(ModelRegistry registry, MeterRegistry meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /**
     * @param model the model whose traffic is split; blank switches the step off
     * @param weights {@code version=weight} pairs, comma-separated
     */
    public void split(List<PredictionTask> tasks, String model, String weights) {
        if (model == null || model.isBlank() || tasks.isEmpty()) {
            return;
        }
        EnsembleSpec ensemble = tasks.get(0).ensemble();
        String defaultVersion = registry.defaultVersion(model).orElse(null);
        int at = indexOf(ensemble, model);
        if (at < 0 || !ensemble.models().get(at).version().equals(defaultVersion)) {
            return;
        }
        String version = choose(model, parse(weights), tasks.get(0).requestId());
        if (version == null) {
            return;
        }
        List<ModelRef> models = new ArrayList<>(ensemble.models());
        models.set(at, new ModelRef(model, version));
        EnsembleSpec routed = ensemble.withModels(models);
        tasks.forEach(task -> task.route(routed));
        Counter.builder("modelapi.traffic.split")
                .description("Requests sent to each version by the A/B split")
                .tags("model", model, "version", version)
                .register(meters)
                .increment();
    }

    /** The version whose cumulative weight covers the request id's hash; loaded versions only. */
    String choose(String model, Map<String, Double> weights, String requestId) {
        Map<String, Double> live = new LinkedHashMap<>();
        weights.forEach((version, weight) -> {
            if (weight > 0 && registry.find(model, version).isPresent()) {
                live.put(version, weight);
            }
        });
        double total = live.values().stream().mapToDouble(Double::doubleValue).sum();
        if (total <= 0) {
            return null;
        }
        CRC32 crc = new CRC32();
        crc.update(requestId.getBytes(StandardCharsets.UTF_8));
        double point = (crc.getValue() % 10_000) / 10_000.0 * total;
        double cumulative = 0;
        String last = null;
        for (Map.Entry<String, Double> entry : live.entrySet()) {
            cumulative += entry.getValue();
            last = entry.getKey();
            if (point < cumulative) {
                return last;
            }
        }
        return last;
    }

    static Map<String, Double> parse(String weights) {
        Map<String, Double> parsed = new LinkedHashMap<>();
        if (weights == null || weights.isBlank()) {
            return parsed;
        }
        for (String pair : weights.split(",")) {
            String[] kv = pair.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("traffic split weights must be version=weight pairs, not \"" + pair + "\"");
            }
            parsed.put(kv[0].strip(), Double.parseDouble(kv[1].strip()));
        }
        return parsed;
    }

    private static int indexOf(EnsembleSpec ensemble, String model) {
        for (int i = 0; i < ensemble.models().size(); i++) {
            if (ensemble.models().get(i).name().equals(model)) {
                return i;
            }
        }
        return -1;
    }
}
