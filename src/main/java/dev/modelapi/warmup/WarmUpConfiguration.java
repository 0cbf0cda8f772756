package dev.modelapi.warmup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.security.WarmUpCaller;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The start-up warm-up, and its health indicator {@code warmUp} in the readiness group. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WarmUpProperties.class)
class WarmUpConfiguration {

    @Bean
    WarmUp warmUp(WarmUpProperties settings, ServerProperties server, WarmUpCaller caller, ObjectMapper json,
            MeterRegistry meters, ModelRegistry models) {
        return new WarmUp(settings, server, caller, json, meters, () -> {
            System.gc();
            models.trimNativeHeap();
        });
    }
}
