package dev.modelapi.drift;

import dev.modelapi.ensemble.EnsembleProperties;
import dev.modelapi.model.ModelRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The drift monitor on the loaded models and the named ensembles. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DriftProperties.class)
class DriftConfiguration {

    @Bean
    DriftMonitor driftMonitor(DriftProperties settings, ModelRegistry registry, EnsembleProperties ensembles,
            MeterRegistry meters) {
        return new DriftMonitor(settings, registry, ensembles, meters);
    }
}
