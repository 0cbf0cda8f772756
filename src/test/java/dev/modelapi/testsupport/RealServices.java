package dev.modelapi.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.ContextConfiguration;

/**
 * Runs a Spring test context against a real PostgreSQL and a real Redis instead of the embedded
 * defaults (H2, Caffeine): Flyway migrates PostgreSQL, audit rows land there, and the prediction
 * cache is Redis. Both servers start once per JVM and stop with it.
 *
 * <pre>{@code
 * @SpringBootTest(webEnvironment = RANDOM_PORT)
 * @RealServices
 * class PredictEndToEndTest { ... }
 * }</pre>
 *
 * Tests share both servers: give each test its own request ids and texts rather than expecting
 * empty tables or an empty cache.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ContextConfiguration(initializers = RealServicesInitializer.class)
public @interface RealServices {
}
