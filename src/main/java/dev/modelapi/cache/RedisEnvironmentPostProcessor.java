package dev.modelapi.cache;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertyResolver;
import org.springframework.core.env.PropertySource;
import org.springframework.util.StringUtils;

/**
 * Maps {@code REDIS_URL} to {@code spring.data.redis.url} only when it has text (Boot rejects an empty
 * URL at start-up, so {@code ${REDIS_URL:}} in YAML cannot be used), and turns the Redis health check
 * on exactly when Redis is in use, so the embedded default stays UP without a Redis to ping.
 */
class RedisEnvironmentPostProcessor implements EnvironmentPostProcessor {

    static final String REDIS_URL = "REDIS_URL";
    static final String HEALTH_PROPERTY = "management.health.redis.enabled";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String url = environment.getProperty(REDIS_URL);
        if (StringUtils.hasText(url)) {
            environment.getPropertySources().addLast(
                    new MapPropertySource("modelapi-redis-url", Map.of(RedisSelection.URL_PROPERTY, url.strip())));
        }
        environment.getPropertySources().addLast(new RedisHealthDefault(environment));
    }

    /**
     * Answers the health default when asked, not at start-up, so a Redis URL added later by a test
     * initializer or {@code @DynamicPropertySource} still switches the check on. Lowest precedence:
     * an explicit {@code management.health.redis.enabled} always wins. The environment is a field,
     * not the source: Boot flattens a source that is an environment, and this one would contain itself.
     */
    static final class RedisHealthDefault extends PropertySource<Object> {

        private final PropertyResolver environment;

        RedisHealthDefault(PropertyResolver environment) {
            super("modelapi-redis-health-default", new Object());
            this.environment = environment;
        }

        @Override
        public Object getProperty(String name) {
            return HEALTH_PROPERTY.equals(name) ? String.valueOf(RedisSelection.selected(environment)) : null;
        }
    }
}
