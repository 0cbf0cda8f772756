package dev.modelapi.ensemble;

import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.TextClassifier;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness of each named ensemble: up while at least its quorum of models is loaded with a
 * breaker that lets calls through; the details say, per model, {@code ready}, {@code not loaded}
 * or {@code breaker open}, so a failing readiness probe says which model is missing.
 */
@Component("ensembles")
public class EnsemblesHealthIndicator implements HealthIndicator {

    private final EnsembleProperties settings;
    private final ModelRegistry registry;
    private final ModelCalls calls;

    public EnsemblesHealthIndicator(EnsembleProperties settings, ModelRegistry registry, ModelCalls calls) {
        this.settings = settings;
        this.registry = registry;
        this.calls = calls;
    }

    @Override
    public Health health() {
        boolean allUp = true;
        Map<String, Object> details = new LinkedHashMap<>();
        for (Map.Entry<String, EnsembleProperties.Named> named : settings.named().entrySet()) {
            List<String> models = named.getValue().models();
            int quorum = named.getValue().quorum() == 0 ? models.size() : named.getValue().quorum();
            Map<String, String> states = new LinkedHashMap<>();
            int ready = 0;
            for (String model : models) {
                String state = stateOf(ModelRef.parse(model));
                states.put(model, state);
                if ("ready".equals(state)) {
                    ready++;
                }
            }
            boolean up = ready >= quorum;
            allUp &= up;
            Map<String, Object> ensemble = new LinkedHashMap<>();
            ensemble.put("status", up ? "UP" : "DOWN");
            ensemble.put("quorum", quorum);
            ensemble.put("ready", ready);
            ensemble.put("models", states);
            details.put(named.getKey(), ensemble);
        }
        return (allUp ? Health.up() : Health.down()).withDetails(details).build();
    }

    private String stateOf(ModelRef model) {
        Optional<TextClassifier> loaded = model.version() == null ? registry.find(model.name())
                : registry.find(model.name(), model.version());
        if (loaded.isEmpty()) {
            return "not loaded";
        }
        Optional<CircuitBreaker> breaker = calls.breakerOf(new ModelRef(loaded.get().name(), loaded.get().version()));
        if (breaker.isPresent() && breaker.get().getState() == CircuitBreaker.State.OPEN) {
            return "breaker open";
        }
        return "ready";
    }
}
