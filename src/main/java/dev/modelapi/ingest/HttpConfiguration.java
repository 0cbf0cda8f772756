package dev.modelapi.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The platform-http engine of every HTTP route (it replaces the Spring Boot starter's own). */
@Configuration(proxyBeanMethods = false)
class HttpConfiguration {

    /** Named as platform-http looks its engine up in the registry. */
    @Bean(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    PlatformHttpEngine asyncPlatformHttpEngine(@Value("${server.port:8080}") int port, ApiProperties api,
            @Value("${spring.mvc.async.request-timeout:11m}") Duration asyncTimeout, Answers answers, ObjectMapper json,
            MeterRegistry meters) {
        return new AsyncPlatformHttpEngine(port, api.maxInFlight(), asyncTimeout, answers, json, meters);
    }
}
