package dev.modelapi.ensemble;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which models answer a text and how their answers are combined, with every version resolved.
 * Its {@link #key()} is the batcher's correlation key (a batch runs one ensemble) and part of the
 * cache key (an answer is only reused for the same models, versions and vote).
 *
 * @param models the models, each with its version
 * @param method the vote
 * @param weights weight per model name, for {@link EnsembleMethod#WEIGHTED}; empty otherwise
 */
public record EnsembleSpec(List<ModelRef> models, EnsembleMethod method, Map<String, Double> weights) {

    public EnsembleSpec {
        models = List.copyOf(models);
        weights = new TreeMap<>(weights);
    }

    /** A canonical text form: same models, versions, vote and weights give the same key. */
    public String key() {
        String names = models.stream().map(ModelRef::toString).sorted().collect(Collectors.joining(","));
        String weightText = weights.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        return names + "|" + method.wireName() + (weightText.isEmpty() ? "" : "|" + weightText);
    }

    /** The weight of a model: its configured weight, or 1. */
    public double weightOf(String modelName) {
        return weights.getOrDefault(modelName, 1.0);
    }
}
