package dev.modelapi.ensemble;

import dev.modelapi.model.ModelRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ModelLifecycleStrategySupport;
import org.apache.camel.model.RouteTemplateDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * One route per model version, made from the YAML route template {@code model-call}
 * (routes/ensemble.camel.yaml): each has its own circuit breaker, time limit and bulkhead, so a
 * failing model opens only its own breaker. Routes are made when a model is first called; a
 * reloaded template replaces them (breakers start closed again), and the routes of versions
 * unloaded for twice the request timeout are removed (checked at most every 10 s, on a call).
 */
@Component("modelCalls")
public class ModelCalls {

    static final String TEMPLATE = "model-call";
    static final String ROUTE_PREFIX = "model-call-";

    private static final Logger log = LoggerFactory.getLogger(ModelCalls.class);

    private final CamelContext camel;
    private final ModelRegistry registry;
    private final Map<ModelRef, Instance> instances = new ConcurrentHashMap<>();
    private final Map<String, ModelRef> byEndpoint = new ConcurrentHashMap<>();

    /** A route made from the template for one model version; {@code unloadedAt} is set once its model is seen unloaded. */
    static final class Instance {
        final String routeId;
        final String endpoint;
        final RouteTemplateDefinition template;
        volatile long unloadedAtNanos;

        Instance(String routeId, String endpoint, RouteTemplateDefinition template) {
            this.routeId = routeId;
            this.endpoint = endpoint;
            this.template = template;
        }
    }

    /** The template as last loaded; Camel appends a reloaded template rather than replacing it. */
    private volatile RouteTemplateDefinition template;

    /**
     * How long the route of an unloaded model version stays: an unloaded version still answers the
     * batches that chose it before the unload (the registry drains it), and those must find its route.
     */
    private final long retireAfterNanos;
    private final long retireCheckIntervalNanos;
    private volatile long lastRetireCheckNanos;

    public ModelCalls(CamelContext camel, ModelRegistry registry,
            @Value("${modelapi.batching.request-timeout}") Duration requestTimeout) {
        this.camel = camel;
        this.registry = registry;
        this.retireAfterNanos = requestTimeout.multipliedBy(2).toNanos();
        this.retireCheckIntervalNanos = Math.min(Duration.ofSeconds(10).toNanos(), retireAfterNanos / 2);
        this.lastRetireCheckNanos = System.nanoTime();
        ModelCamelContext model = camel.getCamelContextExtension().getContextPlugin(ModelCamelContext.class);
        model.addModelLifecycleStrategy(new ModelLifecycleStrategySupport() {
            @Override
            public void onAddRouteTemplateDefinition(RouteTemplateDefinition added) {
                if (TEMPLATE.equals(added.getId())) {
                    // Drop the previous definition, or the template builder would keep using it.
                    for (RouteTemplateDefinition old : List.copyOf(model.getRouteTemplateDefinitions())) {
                        if (old != added && TEMPLATE.equals(old.getId())) {
                            try {
                                model.removeRouteTemplateDefinition(old);
                            } catch (Exception e) {
                                log.warn("Could not remove the previous {} template: {}", TEMPLATE, e.getMessage());
                            }
                        }
                    }
                    template = added;
                }
            }
        });
    }

    /** The multicast's recipients for an ensemble: each model's {@code model-call} route. */
    public List<String> recipients(EnsembleSpec ensemble) {
        return ensemble.models().stream().map(this::endpointFor).toList();
    }

    /** The endpoint of the model's route, made (or remade after a template reload) when needed. */
    public String endpointFor(ModelRef model) {
        RouteTemplateDefinition template = currentTemplate();
        Instance instance = instances.get(model);
        if (instance != null && instance.template == template && !retireCheckDue()) {
            return instance.endpoint;
        }
        synchronized (this) {
            if (retireCheckDue()) {
                retireUnloaded();
            }
            instance = instances.get(model);
            if (instance != null && instance.template == template) {
                return instance.endpoint;
            }
            if (instance != null) {
                // The same route id, so that the breaker's metrics keep their name; callers of the
                // old route finish first (graceful stop), new ones wait at the direct endpoint.
                remove(instance);
            }
            Instance made = make(model, template);
            instances.put(model, made);
            byEndpoint.put(made.endpoint, model);
            return made.endpoint;
        }
    }

    private boolean retireCheckDue() {
        return System.nanoTime() - lastRetireCheckNanos > retireCheckIntervalNanos;
    }

    /** Which model a recipient endpoint ({@code direct:x} or {@code direct://x}) calls. */
    public Optional<ModelRef> modelOf(String endpointUri) {
        if (endpointUri == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(byEndpoint.get(endpointUri.replace("://", ":")));
    }

    /** The route id serving a model version now, if it was called since the template was (re)loaded. */
    public Optional<String> routeIdOf(ModelRef model) {
        return Optional.ofNullable(instances.get(model)).map(i -> i.routeId);
    }

    /** The circuit breaker of a model version's route, once the model has been called. */
    public Optional<CircuitBreaker> breakerOf(ModelRef model) {
        return guardOf(model).map(ResilienceProcessor::getCircuitBreaker);
    }

    /** The circuit breaker step (breaker, time limit, bulkhead) of a model version's route. */
    public Optional<ResilienceProcessor> guardOf(ModelRef model) {
        Instance instance = instances.get(model);
        Route route = instance == null ? null : camel.getRoute(instance.routeId);
        if (route == null) {
            return Optional.empty();
        }
        return route.filter("*").stream()
                .filter(ResilienceProcessor.class::isInstance)
                .map(ResilienceProcessor.class::cast)
                .findFirst();
    }

    private RouteTemplateDefinition currentTemplate() {
        RouteTemplateDefinition template = this.template;
        if (template == null) {
            template = camel.getCamelContextExtension().getContextPlugin(ModelCamelContext.class)
                    .getRouteTemplateDefinition(TEMPLATE);
            this.template = template;
        }
        if (template == null) {
            throw new IllegalStateException("route template " + TEMPLATE + " is missing from the routes directory");
        }
        return template;
    }

    private Instance make(ModelRef model, RouteTemplateDefinition template) {
        String routeId = ROUTE_PREFIX + model.name() + "-" + model.version();
        try {
            TemplatedRouteBuilder.builder(camel, TEMPLATE)
                    .routeId(routeId)
                    .prefixId(routeId + ".")
                    .parameter("model", model.toString())
                    .parameter("endpoint", routeId)
                    .add();
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not make the " + TEMPLATE + " route for " + model + ": "
                    + e.getMessage(), e);
        }
        log.info("Model {} is called through route {}", model, routeId);
        return new Instance(routeId, "direct:" + routeId, template);
    }

    /** Removes the routes of model versions unloaded for longer than any request can wait. */
    private void retireUnloaded() {
        long now = System.nanoTime();
        lastRetireCheckNanos = now;
        instances.forEach((model, instance) -> {
            if (registry.find(model.name(), model.version()).isPresent()) {
                instance.unloadedAtNanos = 0;
            } else if (instance.unloadedAtNanos == 0) {
                instance.unloadedAtNanos = now;
            } else if (now - instance.unloadedAtNanos > retireAfterNanos && instances.remove(model, instance)) {
                try {
                    remove(instance);
                    byEndpoint.remove(instance.endpoint);
                } catch (RuntimeException e) {
                    log.warn("Could not remove route {}: {}", instance.routeId, e.getMessage());
                }
            }
        });
    }

    private void remove(Instance instance) {
        try {
            camel.getRouteController().stopRoute(instance.routeId);
            camel.removeRoute(instance.routeId);
        } catch (Exception e) {
            throw new IllegalStateException("could not replace route " + instance.routeId + ": " + e.getMessage(), e);
        }
    }
}
