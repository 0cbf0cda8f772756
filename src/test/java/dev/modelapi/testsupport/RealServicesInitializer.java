package dev.modelapi.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Points a Spring context at the JVM's embedded PostgreSQL and Redis, starting them on first use.
 * The properties it sets are the ones {@code POSTGRES_URL} and {@code REDIS_URL} would produce, and
 * they take precedence over {@code application.yaml}.
 *
 * <p>Prefer {@link RealServices @RealServices}. Without it:
 * <pre>{@code
 * @SpringBootTest
 * @ContextConfiguration(initializers = RealServicesInitializer.class)
 * class SomeEndToEndTest { ... }
 * }</pre>
 * or, from a {@code @DynamicPropertySource} method, {@code RealServicesInitializer.register(registry)}.
 */
public class RealServicesInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("real-services", properties()));
    }

    /** For a {@code @DynamicPropertySource} method. */
    public static void register(DynamicPropertyRegistry registry) {
        properties().forEach((name, value) -> registry.add(name, () -> value));
    }

    /** The datasource and Redis properties of the embedded servers, which start here if they have not yet. */
    public static Map<String, Object> properties() {
        EmbeddedPostgresServer postgres = EmbeddedPostgresServer.shared();
        EmbeddedRedisServer redis = EmbeddedRedisServer.shared();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", postgres.jdbcUrl());
        properties.put("spring.datasource.driver-class-name", "org.postgresql.Driver");
        properties.put("spring.datasource.username", EmbeddedPostgresServer.USER);
        properties.put("spring.datasource.password", "");
        properties.put("spring.data.redis.url", redis.url());
        return properties;
    }
}
