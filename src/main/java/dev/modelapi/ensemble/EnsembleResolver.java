package dev.modelapi.ensemble;

import dev.modelapi.model.ModelRegistry;
import dev.modelapi.errors.ModelUnavailableException;
import dev.modelapi.model.TextClassifier;
import dev.modelapi.errors.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Turns what a request asks for (model names, maybe versions, a vote, weights) into an
 * {@link EnsembleSpec} with every version resolved, before anything is queued: an unknown model
 * or a mix of label sets is the caller's error (400), not the batch's.
 */
@Component
public class EnsembleResolver {

    private static final Logger log = LoggerFactory.getLogger(EnsembleResolver.class);

    private final ModelRegistry registry;
    private final EnsembleProperties defaults;

    public EnsembleResolver(ModelRegistry registry, EnsembleProperties defaults) {
        this.registry = registry;
        this.defaults = defaults;
        checkNamedEnsembles();
    }

    /**
     * A named ensemble that cannot work is a configuration error found at start-up: a quorum larger
     * than the ensemble, a negative weight, an unknown default, or loaded models with different labels.
     */
    private void checkNamedEnsembles() {
        if (!defaults.defaultEnsemble().isBlank() && !defaults.named().containsKey(defaults.defaultEnsemble())) {
            throw new IllegalStateException("modelapi.ensemble.default-ensemble \"" + defaults.defaultEnsemble()
                    + "\" is not among modelapi.ensemble.named " + defaults.named().keySet());
        }
        defaults.named().forEach((name, named) -> {
            if (named.quorum() > named.models().size()) {
                throw new IllegalStateException("ensemble " + name + ": quorum " + named.quorum() + " is more than its "
                        + named.models().size() + " models");
            }
            named.weights().forEach((model, weight) -> {
                if (!(weight >= 0) || weight.isInfinite()) {
                    throw new IllegalStateException("ensemble " + name + ": the weight of " + model + " must be 0 or more");
                }
            });
            List<TextClassifier> loaded = named.models().stream().map(ModelRef::parse)
                    .flatMap(ref -> (ref.version() == null ? registry.find(ref.name())
                            : registry.find(ref.name(), ref.version())).stream())
                    .toList();
            if (loaded.size() < named.models().size()) {
                log.warn("Ensemble {}: only {} of its models {} are loaded now", name,
                        loaded.stream().map(EnsembleResolver::refOf).toList(), named.models());
            }
            if (!loaded.isEmpty()) {
                try {
                    checkSameLabels(loaded);
                } catch (InvalidRequestException e) {
                    throw new IllegalStateException("ensemble " + name + ": " + e.getMessage());
                }
            }
        });
    }

    /**
     * @param models requested models, or null for the default ensemble
     * @param method requested vote, or null for the default
     * @param weights requested weights, or null for the configured ones
     */
    public EnsembleSpec resolve(List<String> models, String method, Map<String, Double> weights) {
        return resolve(null, models, method, weights, null);
    }

    /**
     * @param name a named ensemble ({@code modelapi.ensemble.named.*}), or null
     * @param models requested models, or null; not together with a name
     * @param method requested vote, or null for the named ensemble's or the default
     * @param weights requested weights, or null for the named ensemble's or the configured ones
     * @param quorum requested quorum, or null for the named ensemble's or the default
     */
    public EnsembleSpec resolve(String name, List<String> models, String method, Map<String, Double> weights,
            Integer quorum) {
        boolean modelsGiven = models != null && !models.isEmpty();
        if (name != null && modelsGiven) {
            throw InvalidRequestException.badRequest("invalid_ensemble",
                    "name either an ensemble or models, not both");
        }
        if (name == null && !modelsGiven && !defaults.defaultEnsemble().isBlank()) {
            name = defaults.defaultEnsemble();
        }
        EnsembleProperties.Named named = null;
        if (name != null) {
            named = defaults.named().get(name);
            if (named == null) {
                throw new InvalidRequestException(404, "unknown_ensemble", "no ensemble is named \"" + name
                        + "\"; configured: " + defaults.named().keySet());
            }
        }
        List<String> names = named != null ? named.models() : modelsGiven ? models : defaults.defaultModels();
        List<TextClassifier> classifiers = new ArrayList<>();
        if (names.isEmpty()) {
            registry.all().stream().map(TextClassifier::name).distinct()
                    .forEach(model -> classifiers.add(resolve(ModelRef.parse(model))));
        } else {
            new LinkedHashSet<>(names).forEach(model -> classifiers.add(resolve(ModelRef.parse(model))));
        }
        if (classifiers.isEmpty()) {
            throw new ModelUnavailableException("no model is loaded");
        }
        checkSameLabels(classifiers);
        List<ModelRef> refs = classifiers.stream().map(EnsembleResolver::refOf).toList();
        EnsembleMethod vote = method != null ? parseMethod(method)
                : named != null ? named.method() : defaults.defaultMethod();
        Map<String, Double> chosenWeights = new LinkedHashMap<>();
        if (vote == EnsembleMethod.WEIGHTED) {
            Map<String, Double> source = weights != null ? weights
                    : named != null && !named.weights().isEmpty() ? named.weights() : defaults.weights();
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
        return new EnsembleSpec(refs, vote, chosenWeights, quorumOf(quorum, named, refs.size()), name);
    }

    private int quorumOf(Integer requested, EnsembleProperties.Named named, int size) {
        if (requested != null) {
            if (requested < 1) {
                throw InvalidRequestException.badRequest("invalid_ensemble", "ensemble.quorum must be 1 or more");
            }
            return Math.min(requested, size); // more than the models: every model must answer, as 0 means for a named one
        }
        if (named != null) {
            return named.quorum() == 0 ? size : Math.min(named.quorum(), size);
        }
        return Math.min(defaults.quorum(), size);
    }

    private TextClassifier resolve(ModelRef requested) {
        Optional<TextClassifier> found = requested.version() == null
                ? registry.find(requested.name())
                : registry.find(requested.name(), requested.version());
        if (found.isEmpty()) {
            found = registry.loadOnDemand(requested.name(), requested.version());
        }
        return found.orElseThrow(() -> new InvalidRequestException(404, "unknown_model",
                "model " + requested + " is not loaded"));
    }

    /** The labels of the versions the request resolved to (a request's hot path: no registry look-ups, one set). */
    private static void checkSameLabels(List<TextClassifier> classifiers) {
        TextClassifier first = classifiers.get(0);
        Set<String> labels = null;
        for (TextClassifier other : classifiers.subList(1, classifiers.size())) {
            if (other.labels().equals(first.labels())) {
                continue; // the usual case: the same labels in the same order
            }
            if (labels == null) {
                labels = new HashSet<>(first.labels());
            }
            if (!labels.equals(new HashSet<>(other.labels()))) {
                throw InvalidRequestException.badRequest("incompatible_labels", "models " + refOf(first) + " "
                        + first.labels() + " and " + refOf(other) + " " + other.labels()
                        + " do not answer with the same labels");
            }
        }
    }

    private static ModelRef refOf(TextClassifier classifier) {
        return new ModelRef(classifier.name(), classifier.version());
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
