package dev.modelapi.security;

import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.securityevents.Reason;
import dev.modelapi.securityevents.SecurityEvents;
import java.util.Arrays;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The {@code http-model-access} step: a key with an allow-list of models may only ask for those
 * (by name, any version); anything else is a 403 before anything is queued, and a security event.
 */
@Component("modelAccess")
public class ModelAccess {

    private final SecurityEvents events;

    public ModelAccess(SecurityEvents events) {
        this.events = events;
    }

    /**
     * @param allowed the caller's models as the key filter passed them on: names, comma-separated, or {@code *}
     * @param client the caller's address as the key filter passed it on, or null (for the security event)
     */
    public void check(List<PredictionTask> tasks, String allowed, String client) {
        if (allowed == null || allowed.isBlank()) {
            return; // not behind the key filter (a route other than HTTP)
        }
        List<String> models = Arrays.stream(allowed.split(",")).map(String::strip).toList();
        if (models.contains("*") || tasks.isEmpty()) {
            return;
        }
        for (ModelRef model : tasks.get(0).ensemble().models()) {
            if (!models.contains(model.name())) {
                PredictionTask task = tasks.get(0);
                String message = "this key may not use model " + model.name() + "; it may use " + models;
                events.refused(Reason.MODEL_NOT_ALLOWED, 403, task.channel(), task.principal(), client, null,
                        model.name(), task.requestId(), message);
                throw new InvalidRequestException(403, "model_not_allowed", message);
            }
        }
    }
}
