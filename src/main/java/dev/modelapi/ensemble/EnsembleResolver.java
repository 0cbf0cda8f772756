package dev.modelapi.ensemble;

import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.ModelUnavailableException;
import dev.modelapi.model.TextClassifier;
import dev.modelapi.pipeline.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Turns what a request asks for (model names, maybe versions, a vote, weights) into an
 * {@link EnsembleSpec} with every version resolved, before anything is queued: an unknown model
 * or a mix of label sets is the caller's error (400), not the batch's.
 */
@Component
public class EnsembleResolver {

    private final ModelRegistry registry;
    private final EnsembleProperties defaults;

    public EnsembleResolver(ModelRegistry registry, EnsembleProperties defaults) {
        this.registry = registry;
        this.defaults = defaults;
    }

    /**
     * @param models requested models, or null for the default ensemble
     * @param method requested vote, or null for the default
     * @param weights requested weights, or null for the configured ones
     */
    public EnsembleSpec resolve(List<String> models, String method, Map<String, Double> weights) {
        List<String> names = models == null || models.isEmpty() ? defaults.defaultModels() : models;
        List<ModelRef> refs = new ArrayList<>();
        if (names.isEmpty()) {
            registry.all().stream().map(TextClassifier::name).distinct()
                    .forEach(name -> refs.add(resolve(ModelRef.parse(name))));
        } else {
            new LinkedHashSet<>(names).forEach(name -> refs.add(resolve(ModelRef.parse(name))));
        }
        if (refs.isEmpty()) {
            throw new ModelUnavailableException("no model is loaded");
        }
        checkSameLabels(refs);
        EnsembleMethod vote = parseMethod(method);
        Map<String, Double> chosenWeights = new LinkedHashMap<>();
        if (vote == EnsembleMethod.WEIGHTED) {
            Map<String, Double> source = weights == null ? defaults.weights() : weights;
            for (ModelRef ref : refs) {
                Double weight = source.get(ref.name());
                if (weight != null && (weight < 0 || weight.isNaN() || weight.isInfinite())) {
                    throw InvalidRequestException.badRequest("invalid_ensemble",
                            "the weight of " + ref.name() + " must be a number of 0 or more");
                }
                chosenWeights.put(ref.name(), weight == null ? 1.0 : weight);
            }
            if (chosenWeights.values().stream().mapToDouble(Double::doubleValue).sum() <= 0) {
                throw InvalidRequestException.badRequest("invalid_ensemble", "the weights add up to 0");
            }
        }
        return new EnsembleSpec(refs, vote, chosenWeights);
    }

    private ModelRef resolve(ModelRef requested) {
        Optional<TextClassifier> found = requested.version() == null
                ? registry.find(requested.name())
                : registry.find(requested.name(), requested.version());
        if (found.isEmpty()) {
            found = registry.loadOnDemand(requested.name(), requested.version());
        }
        TextClassifier classifier = found.orElseThrow(() -> InvalidRequestException.badRequest("unknown_model",
                "model " + requested + " is not loaded"));
        return new ModelRef(classifier.name(), classifier.version());
    }

    private void checkSameLabels(List<ModelRef> refs) {
        List<String> first = labelsOf(refs.get(0));
        for (ModelRef ref : refs) {
            if (!new LinkedHashSet<>(labelsOf(ref)).equals(new LinkedHashSet<>(first))) {
                throw InvalidRequestException.badRequest("incompatible_labels", "models " + refs.get(0) + " "
                        + first + " and " + ref + " " + labelsOf(ref) + " do not answer with the same labels");
            }
        }
    }

    private List<String> labelsOf(ModelRef ref) {
        return registry.find(ref.name(), ref.version()).map(TextClassifier::labels).orElse(List.of());
    }

    private EnsembleMethod parseMethod(String method) {
        if (method == null) {
            return defaults.defaultMethod();
        }
        try {
            return EnsembleMethod.parse(method);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.badRequest("invalid_ensemble",
                    "ensemble.method must be soft, hard or weighted, not \"" + method + "\"");
        }
    }
}
