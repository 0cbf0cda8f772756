package dev.modelapi.security;

import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import java.util.Arrays;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The {@code http-model-access} step: a key with an allow-list of models may only ask for those
 * (by name, any version); anything else is a 403 before anything is queued.
 */
@Component("modelAccess")
public class ModelAccess {

    /** @param allowed the caller's models as the key filter passed them on: names, comma-separated, or {@code *} */
    public void check(List<PredictionTask> tasks, String allowed) {
        if (allowed == null || allowed.isBlank()) {
            return; // not behind the key filter (a route other than HTTP)
        }
        List<String> models = Arrays.stream(allowed.split(",")).map(String::strip).toList();
        if (models.contains("*") || tasks.isEmpty()) {
            return;
        }
        for (ModelRef model : tasks.get(0).ensemble().models()) {
            if (!models.contains(model.name())) {
                throw new InvalidRequestException(403, "model_not_allowed",
                        "this key may not use model " + model.name() + "; it may use " + models);
            }
        }
    }
}
