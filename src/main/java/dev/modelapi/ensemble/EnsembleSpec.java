package dev.modelapi.ensemble;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
        // every request's cache key starts here: loops, not streams (the spelling is the cache's, keep it)
        StringBuilder key = new StringBuilder(24 * models.size() + 16);
        List<ModelRef> sorted = sortedModels();
        for (int i = 0; i < sorted.size(); i++) {
            key.append(i == 0 ? "" : ",").append(sorted.get(i));
        }
        key.append('|').append(method.wireName());
        String separator = "|";
        for (Map.Entry<String, Double> weight : weights.entrySet()) {
            key.append(separator).append(weight.getKey()).append('=').append(weight.getValue());
            separator = ",";
        }
        if (quorum != 1) {
            key.append("|quorum=").append(quorum);
        }
        return key.toString();
    }

    /** The models in the order of the key: by {@code name:version}. */
    public List<ModelRef> sortedModels() {
        if (models.size() < 2) {
            return models;
        }
        ModelRef[] sorted = models.toArray(ModelRef[]::new);
        Arrays.sort(sorted, BY_KEY);
        return Arrays.asList(sorted);
    }

    private static final Comparator<ModelRef> BY_KEY = Comparator.comparing(ModelRef::toString);

    /** The weight of a model: its configured weight, or 1. */
    public double weightOf(String modelName) {
        return weights.getOrDefault(modelName, 1.0);
    }

    /** The same ensemble with other model versions (a traffic split); the quorum is kept within the new size. */
    public EnsembleSpec withModels(List<ModelRef> other) {
        return new EnsembleSpec(other, method, weights, Math.min(quorum, Math.max(1, other.size())), name);
    }
}
