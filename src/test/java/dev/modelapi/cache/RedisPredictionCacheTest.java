package dev.modelapi.cache;

import static dev.modelapi.cache.Predictions.inferAndStore;
import static dev.modelapi.cache.Predictions.spam;
import static dev.modelapi.cache.Predictions.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.testsupport.EmbeddedRedisServer;
import dev.modelapi.testsupport.RealServices;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.cache.CacheMetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.core.StringRedisTemplate;

/** The prediction cache on a real Redis, through the same beans and properties the application uses. */
@SpringBootTest(classes = CacheConfiguration.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
@ImportAutoConfiguration({RedisAutoConfiguration.class, MetricsAutoConfiguration.class,
        CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
        CacheMetricsAutoConfiguration.class})
@RealServices
class RedisPredictionCacheTest {

    @Autowired
    PredictionCache cache;

    @Autowired
    CacheManager cacheManager;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    MeterRegistry meters;

    @Test
    void shouldUseRedisWhenItsUrlIsSet() {
        assertThat(cacheManager).isInstanceOf(RedisCacheManager.class);
        assertThat(cacheManager.getCacheNames())
                .containsExactlyInAnyOrder(CacheConfiguration.PREDICTIONS, CacheNames.IDEMPOTENT_ANSWERS);
        assertThat(meters.find("cache.gets").tag("cache", CacheConfiguration.PREDICTIONS).functionCounters())
                .isNotEmpty();
    }

    @Test
    void shouldStoreReadableJsonWithTtlAndAnswerFromIt() {
        PredictionTask first = task("Redis round trip " + System.nanoTime());
        cache.lookup(first);
        inferAndStore(cache, first, spam(0.91));
        String redisKey = CacheConfiguration.REDIS_KEY_PREFIX + first.cacheKey();

        String json = redis.opsForValue().get(redisKey);
        Long ttlSeconds = redis.getExpire(redisKey, TimeUnit.SECONDS);
        PredictionTask again = task(first.text());
        cache.lookup(again);

        assertThat(json).contains("\"label\":\"spam\"", "\"score\":0.91", "\"method\":\"SOFT\"", "spam-distilbert");
        assertThat(ttlSeconds).isPositive().isLessThanOrEqualTo(Duration.ofHours(1).toSeconds());
        assertThat(again.answered()).isTrue();
        assertThat(again.cached()).isTrue();
        assertThat(again.result()).isEqualTo(spam(0.91));
    }

    @Test
    void shouldAnswerAsMissWhileRedisIsStopped() {
        EmbeddedRedisServer ownRedis = EmbeddedRedisServer.startNew();
        try {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class))
                    .withUserConfiguration(CacheConfiguration.class)
                    .withBean(SimpleMeterRegistry.class)
                    .withPropertyValues("spring.data.redis.url=" + ownRedis.url(), "spring.data.redis.timeout=1s")
                    .run(context -> {
                        PredictionCache ownCache = context.getBean(PredictionCache.class);
                        MeterRegistry ownMeters = context.getBean(MeterRegistry.class);
                        PredictionTask before = task("Redis going away");
                        ownCache.lookup(before);
                        inferAndStore(ownCache, before, spam(0.91));
                        PredictionTask whileUp = task("Redis going away");
                        ownCache.lookup(whileUp);
                        assertThat(whileUp.cached()).isTrue();

                        ownRedis.stop();
                        PredictionTask after = task("Redis going away");
                        assertTimeout(Duration.ofSeconds(5), () -> ownCache.lookup(after));

                        assertThat(after.answered()).isFalse();
                        assertTimeout(Duration.ofSeconds(5), () -> inferAndStore(ownCache, after, spam(0.91)));
                        assertThat(ownMeters.get("modelapi.cache.errors").tag("operation", "lookup").counter()
                                .count()).isEqualTo(1);
                        assertThat(ownMeters.get("modelapi.cache.errors").tag("operation", "store").counter()
                                .count()).isEqualTo(1);
                    });
        } finally {
            ownRedis.stop();
        }
    }
}
