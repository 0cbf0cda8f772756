package dev.modelapi.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The warm-up's defaults: 4,000 requests, 8 at a time, for at most 40 s (docs/performance.md, "The
 * warm-up's concurrency and length"), the same whether Spring binds the record alone or with
 * application.yaml, which writes them out again for operators.
 */
class WarmUpPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WarmUpProperties.class)
    static class WarmUpSettings {
    }

    private static WarmUpProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("modelapi.warm-up", WarmUpProperties.class);
    }

    @Test
    void shouldDefaultToFourThousandRequestsEightAtATimeForAtMostFortySeconds() {
        WarmUpProperties defaults = bind(Map.of());

        assertThat(defaults.enabled()).isTrue();
        assertThat(defaults.requests()).isEqualTo(4000);
        assertThat(defaults.concurrency()).isEqualTo(8);
        assertThat(defaults.maxDuration()).isEqualTo(Duration.ofSeconds(40));
    }

    @Test
    void shouldRunWithTheRecordsDefaultsAsApplicationYamlWritesThem() {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as the service reads it
                .withUserConfiguration(WarmUpSettings.class)
                // every field but enabled, which the tests' config/application.yaml turns off
                .run(context -> assertThat(context.getBean(WarmUpProperties.class)).usingRecursiveComparison()
                        .ignoringFields("enabled").isEqualTo(bind(Map.of())));
    }

    @Test
    void shouldTakeTheConcurrencyAndDurationGiven() {
        WarmUpProperties one = bind(Map.of("modelapi.warm-up.concurrency", "1", "modelapi.warm-up.max-duration", "60s"));

        assertThat(one.concurrency()).isEqualTo(1);
        assertThat(one.maxDuration()).isEqualTo(Duration.ofSeconds(60));
    }
}
