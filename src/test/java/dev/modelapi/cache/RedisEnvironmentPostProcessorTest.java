package dev.modelapi.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

class RedisEnvironmentPostProcessorTest {

    private final RedisEnvironmentPostProcessor processor = new RedisEnvironmentPostProcessor();

    @Test
    void shouldLeaveRedisOffWithoutRedisUrl() {
        MockEnvironment environment = new MockEnvironment();

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("spring.data.redis.url")).isNull();
        assertThat(environment.getProperty("management.health.redis.enabled", Boolean.class)).isFalse();
    }

    @Test
    void shouldIgnoreBlankRedisUrl() {
        MockEnvironment environment = new MockEnvironment().withProperty("REDIS_URL", " ");

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("spring.data.redis.url")).isNull();
        assertThat(environment.getProperty("management.health.redis.enabled", Boolean.class)).isFalse();
    }

    @Test
    void shouldMapRedisUrlAndCheckRedisHealth() {
        MockEnvironment environment = new MockEnvironment().withProperty("REDIS_URL", "redis://cache:6379");

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("spring.data.redis.url")).isEqualTo("redis://cache:6379");
        assertThat(environment.getProperty("management.health.redis.enabled", Boolean.class)).isTrue();
    }

    @Test
    void shouldCheckRedisHealthWhenUrlIsAddedAfterStartUp() {
        MockEnvironment environment = new MockEnvironment();
        processor.postProcessEnvironment(environment, null);

        environment.getPropertySources().addFirst(
                new MapPropertySource("test", Map.of("spring.data.redis.url", "redis://127.0.0.1:6390")));

        assertThat(environment.getProperty("management.health.redis.enabled", Boolean.class)).isTrue();
    }

    @Test
    void shouldLetExplicitHealthSettingWin() {
        MockEnvironment environment = new MockEnvironment().withProperty("REDIS_URL", "redis://cache:6379")
                .withProperty("management.health.redis.enabled", "false");

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("management.health.redis.enabled", Boolean.class)).isFalse();
    }

    @Test
    void shouldLetExplicitSpringRedisUrlWin() {
        MockEnvironment environment = new MockEnvironment().withProperty("REDIS_URL", "redis://cache:6379")
                .withProperty("spring.data.redis.url", "redis://other:6379");

        processor.postProcessEnvironment(environment, null);

        assertThat(environment.getProperty("spring.data.redis.url")).isEqualTo("redis://other:6379");
    }

    @Test
    @Timeout(10)
    void shouldResolveThroughBootsConfigurationPropertySources() {
        StandardEnvironment environment = new StandardEnvironment();
        ConfigurationPropertySources.attach(environment);
        processor.postProcessEnvironment(environment, null);

        environment.getPropertySources().addFirst(
                new MapPropertySource("test", Map.of("spring.data.redis.url", "redis://127.0.0.1:6390")));

        assertThat(environment.getProperty("management.health.redis.enabled", Boolean.class)).isTrue();
        assertThat(environment.containsProperty("management.endpoint.health.enabled")).isFalse();
    }
}
