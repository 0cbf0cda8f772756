package dev.modelapi.ingest.jms;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

class BrokerEnvironmentPostProcessorTest {

    private final BrokerEnvironmentPostProcessor processor = new BrokerEnvironmentPostProcessor();

    @Test
    void shouldKeepTheEmbeddedBrokerWithoutBrokerUrl() {
        MockEnvironment environment = new MockEnvironment().withProperty("spring.artemis.mode", "embedded");

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("spring.artemis.mode")).isEqualTo("embedded");
        assertThat(environment.getProperty("spring.artemis.broker-url")).isNull();
    }

    @Test
    void shouldSwitchToTheBrokerAtBrokerUrlOverApplicationYaml() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new MapPropertySource("application.yaml", Map.of("spring.artemis.mode", "embedded",
                        "spring.artemis.embedded.enabled", "true")));
        environment.getPropertySources().addFirst(new MapPropertySource("env",
                Map.of("BROKER_URL", " tcp://broker:61616 ")));

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("spring.artemis.mode")).isEqualTo("native");
        assertThat(environment.getProperty("spring.artemis.broker-url")).isEqualTo("tcp://broker:61616");
        assertThat(environment.getProperty("spring.artemis.embedded.enabled")).isEqualTo("false");
    }

    @Test
    void shouldSwitchKafkaOnWithItsBootstrapServers() {
        MockEnvironment environment = new MockEnvironment().withProperty("modelapi.kafka.enabled", "false")
                .withProperty("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092");

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("modelapi.kafka.enabled")).isEqualTo("true");
        assertThat(environment.getProperty("modelapi.kafka.bootstrap-servers")).isEqualTo("kafka-1:9092,kafka-2:9092");
        assertThat(environment.getProperty("spring.artemis.broker-url")).isNull();
    }
}
