package dev.modelapi.ensemble;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which models answer a text and how their answers are combined, with every version resolved.
 * Its {@link #key()} is the batcher's correlation key (a batch runs one ensemble) and part of the
 * cache key (an answer is only reused for the same models, versions, vote and quorum).
 *
 * @param models the models, each with its version
 * @param method the vote
 * @param weights weight per model name, for {@link EnsembleMethod#WEIGHTED}; empty otherwise
 * @param quorum how many models must answer for an answer to be given, 1 to the number of models
 * @param name the named ensemble this came from ({@code modelapi.ensemble.named.*}), or null
 */
public record EnsembleSpec(List<ModelRef> models, EnsembleMethod method, Map<String, Double> weights, int quorum,
        String name) {

    public EnsembleSpec {
        models = List.copyOf(models);
        weights = new TreeMap<>(weights);
        if (quorum < 1 || (!models.isEmpty() && quorum > models.size())) {
            throw new IllegalArgumentException("quorum " + quorum + " is not between 1 and " + models.size());
        }
    }

    /** An unnamed ensemble that answers as long as one model does. */
    public EnsembleSpec(List<ModelRef> models, EnsembleMethod method, Map<String, Double> weights) {
        this(models, method, weights, 1, null);
    }

    /** A canonical text form: same models, versions, vote, weights and quorum give the same key. */
    public String key() {
        String names = models.stream().map(ModelRef::toString).sorted().collect(Collectors.joining(","));
        String weightText = weights.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        return names + "|" + method.wireName() + (weightText.isEmpty() ? "" : "|" + weightText)
                + (quorum == 1 ? "" : "|quorum=" + quorum);
    }

    /** The weight of a model: its configured weight, or 1. */
    public double weightOf(String modelName) {
        return weights.getOrDefault(modelName, 1.0);
    }

    /** The same ensemble with other model versions (a traffic split); the quorum is kept within the new size. */
    public EnsembleSpec withModels(List<ModelRef> other) {
        return new EnsembleSpec(other, method, weights, Math.min(quorum, Math.max(1, other.size())), name);
    }
}
