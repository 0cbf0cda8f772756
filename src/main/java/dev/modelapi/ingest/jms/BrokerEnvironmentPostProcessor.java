package dev.modelapi.ingest.jms;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.StringUtils;

/**
 * The message brokers from the environment. {@code BROKER_URL} (for example
 * {@code tcp://broker:61616}) switches the JMS ingress from the embedded Artemis to that broker:
 * Boot otherwise keeps the embedded broker whenever its server classes are present, whatever the
 * URL says. {@code KAFKA_BOOTSTRAP_SERVERS} switches the Kafka ingress on. Ranks above
 * application.yaml, below the command line and system properties.
 */
class BrokerEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String BROKER_URL = "BROKER_URL";
    static final String KAFKA_BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> properties = new HashMap<>();
        String url = environment.getProperty(BROKER_URL);
        if (StringUtils.hasText(url)) {
            properties.put("spring.artemis.mode", "native");
            properties.put("spring.artemis.broker-url", url.strip());
            properties.put("spring.artemis.embedded.enabled", "false");
        }
        String kafka = environment.getProperty(KAFKA_BOOTSTRAP_SERVERS);
        if (StringUtils.hasText(kafka)) {
            properties.put("modelapi.kafka.bootstrap-servers", kafka.strip());
            properties.put("modelapi.kafka.enabled", "true");
        }
        if (properties.isEmpty()) {
            return;
        }
        MapPropertySource external = new MapPropertySource("modelapi-brokers", properties);
        if (environment.getPropertySources().contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
            environment.getPropertySources().addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, external);
        } else {
            environment.getPropertySources().addFirst(external);
        }
    }
}
