package dev.modelapi.ensemble;

import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.ModelUnavailableException;
import dev.modelapi.model.TextClassifier;
import java.util.List;
import org.springframework.stereotype.Component;

/** One branch of the ensemble multicast: a batch of texts through one model version. */
@Component("modelInvoker")
public class ModelInvoker {

    private final ModelRegistry registry;

    public ModelInvoker(ModelRegistry registry) {
        this.registry = registry;
    }

    public ModelAnswer classify(List<String> texts, String modelId) {
        ModelRef ref = ModelRef.parse(modelId);
        TextClassifier classifier = registry.findForInference(ref.name(), ref.version())
                .orElseThrow(() -> new ModelUnavailableException(modelId + " is not loaded"));
        return new ModelAnswer(ref, classifier.classify(texts));
    }

    /**
     * The multicast's recipients for an ensemble: one bean call per model. The model id is quoted
     * into the method call; ids are checked against the registry before a request gets this far.
     */
    public List<String> recipients(EnsembleSpec ensemble) {
        return ensemble.models().stream()
                .map(m -> "bean:modelInvoker?method=classify(${body}, '" + m + "')")
                .toList();
    }
}
