package dev.modelapi.model;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Loads the local model repository at start-up and reports it to health and metrics. */
@Configuration(proxyBeanMethods = false)
class ModelConfiguration {

    static {
        DjlRuntime.applyDefaults();
    }

    @Bean(destroyMethod = "close")
    ModelRegistry modelRegistry(ModelProperties settings, MeterRegistry meters) {
        ModelRegistry registry = ModelRegistry.loadFrom(settings.directory(), settings);
        for (TextClassifier classifier : registry.all()) {
            Gauge.builder("modelapi.model.workers.busy", classifier, TextClassifier::busyWorkers)
                    .description("Predictors of the model busy with a batch; the pool size is the bound")
                    .tags("model", classifier.name(), "version", classifier.version())
                    .register(meters);
            Gauge.builder("modelapi.model.workers", classifier, TextClassifier::workers)
                    .description("Predictors of the model: the most batches of it that run at once")
                    .tags("model", classifier.name(), "version", classifier.version())
                    .register(meters);
        }
        return registry;
    }

    /** Down while no model is loaded; names the directories that failed either way. */
    @Bean
    HealthIndicator modelsHealthIndicator(ModelRegistry registry) {
        return () -> {
            Health.Builder health = registry.all().isEmpty() ? Health.down() : Health.up();
            registry.all().forEach(c -> health.withDetail(c.directory().id(), "loaded"));
            registry.failures().forEach(health::withDetail);
            return health.build();
        };
    }
}
