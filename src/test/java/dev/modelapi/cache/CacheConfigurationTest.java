package dev.modelapi.cache;

import static dev.modelapi.cache.Predictions.inferAndStore;
import static dev.modelapi.cache.Predictions.spam;
import static dev.modelapi.cache.Predictions.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.autoconfigure.data.redis.RedisHealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.cache.CacheMetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.data.redis.cache.RedisCacheManager;

/** Which store backs the cache, its meters at start-up, and health without Redis; no Redis runs here. */
@Timeout(120)
class CacheConfigurationTest {

    private final ApplicationContextRunner application = new ApplicationContextRunner()
            .withInitializer(context -> new RedisEnvironmentPostProcessor()
                    .postProcessEnvironment(context.getEnvironment(), null))
            .withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class, MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                    CacheMetricsAutoConfiguration.class, EndpointAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
                    RedisHealthContributorAutoConfiguration.class))
            .withUserConfiguration(CacheConfiguration.class);

    @Test
    void shouldUseCaffeineWithoutRedisUrl() {
        application.run(context -> {
            assertThat(context).hasSingleBean(CacheManager.class);
            assertThat(context.getBean(CacheManager.class)).isInstanceOf(CaffeineCacheManager.class);
            assertThat(context).doesNotHaveBean(RedisCacheManager.class);
        });
    }

    @Test
    void shouldKeepNoTextForWarmingWhileTheCacheIsOff() {
        for (String enabled : new String[] {"true", "false"}) {
            application.withPropertyValues("modelapi.cache.enabled=" + enabled).run(context -> {
                CacheWarming warming = context.getBean(CacheWarming.class);
                dev.modelapi.pipeline.PredictionTask asked = Predictions.task("Win a free cruise");
                asked.cacheKey("key");
                warming.remember(asked);
                assertThat(warming.plan("spam-distilbert", "1", "2")).as("cache enabled: %s", enabled)
                        .hasSize(enabled.equals("true") ? 1 : 0);
            });
        }
    }

    @Test
    void shouldKeepHealthUpWithoutRedis() {
        application.run(context -> {
            assertThat(context).doesNotHaveBean("redisHealthContributor");
            assertThat(context.getBean(HealthEndpoint.class).health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void shouldCheckRedisHealthAndUseRedisWhenUrlIsSet() {
        application.withPropertyValues("spring.data.redis.url=redis://127.0.0.1:1").run(context -> {
            assertThat(context).hasBean("redisHealthContributor");
            assertThat(context.getBean(CacheManager.class)).isInstanceOf(RedisCacheManager.class);
        });
    }

    @Test
    void shouldBindCacheMetersAtStartUp() {
        application.run(context -> {
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find("cache.gets").tags("cache", "predictions", "result", "miss").functionCounter())
                    .isNotNull();
            assertThat(meters.find("cache.size").tag("cache", "predictions").gauge()).isNotNull();
            assertThat(meters.find("cache.evictions").tag("cache", "predictions").functionCounter()).isNotNull();
        });
    }

    @Test
    void shouldCountHitsAndMissesInCacheMeters() {
        application.run(context -> {
            PredictionCache cache = context.getBean(PredictionCache.class);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            PredictionTask first = task("Win a free cruise");
            cache.lookup(first);
            inferAndStore(cache, first, spam(0.97));
            cache.lookup(task("Win a free cruise"));

            assertThat(meters.get("cache.gets").tags("cache", "predictions", "result", "miss").functionCounter()
                    .count()).isEqualTo(1);
            assertThat(meters.get("cache.gets").tags("cache", "predictions", "result", "hit").functionCounter()
                    .count()).isEqualTo(1);
        });
    }

    @Test
    void shouldApplyTtlAndSizeFromProperties() {
        application.withPropertyValues("modelapi.cache.ttl=5m", "modelapi.cache.max-entries=10").run(context -> {
            CacheProperties settings = context.getBean(CacheProperties.class);
            assertThat(settings.ttl()).hasMinutes(5);
            com.github.benmanes.caffeine.cache.Cache<?, ?> caffeine =
                    (com.github.benmanes.caffeine.cache.Cache<?, ?>) context.getBean(CaffeineCacheManager.class)
                            .getCache(CacheConfiguration.PREDICTIONS).getNativeCache();
            assertThat(caffeine.policy().expireAfterWrite()).hasValueSatisfying(
                    expiry -> assertThat(expiry.getExpiresAfter()).hasMinutes(5));
            assertThat(caffeine.policy().eviction()).hasValueSatisfying(
                    eviction -> assertThat(eviction.getMaximum()).isEqualTo(10));
        });
    }

    @Test
    void shouldRejectNonPositiveTtl() {
        application.withPropertyValues("modelapi.cache.ttl=0s").run(context -> assertThat(context).hasFailed());
    }
}
