package dev.modelapi.ingest;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.StringUtils;

/**
 * {@code BROKER_URL} (for example {@code tcp://broker:61616}) switches the JMS ingress from the
 * embedded Artemis to that broker: Boot otherwise keeps the embedded broker whenever its server
 * classes are present, whatever the URL says. Ranks above application.yaml, below the command
 * line and system properties.
 */
class BrokerEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String BROKER_URL = "BROKER_URL";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String url = environment.getProperty(BROKER_URL);
        if (!StringUtils.hasText(url)) {
            return;
        }
        MapPropertySource external = new MapPropertySource("modelapi-broker-url", Map.of(
                "spring.artemis.mode", "native",
                "spring.artemis.broker-url", url.strip(),
                "spring.artemis.embedded.enabled", "false"));
        if (environment.getPropertySources().contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
            environment.getPropertySources().addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, external);
        } else {
            environment.getPropertySources().addFirst(external);
        }
    }
}
