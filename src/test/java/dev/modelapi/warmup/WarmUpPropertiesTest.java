package dev.modelapi.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The warm-up's defaults as Spring binds them, without application.yaml: 4,000 requests, 8 at a time,
 * for at most 40 s (docs/performance.md, "The warm-up's concurrency and length").
 */
class WarmUpPropertiesTest {

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
    void shouldTakeTheConcurrencyAndDurationGiven() {
        WarmUpProperties one = bind(Map.of("modelapi.warm-up.concurrency", "1", "modelapi.warm-up.max-duration", "60s"));

        assertThat(one.concurrency()).isEqualTo(1);
        assertThat(one.maxDuration()).isEqualTo(Duration.ofSeconds(60));
    }
}
