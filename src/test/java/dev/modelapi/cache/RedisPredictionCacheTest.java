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

    @Autowired
    CacheOperations operations;

    @org.springframework.beans.factory.annotation.Value("${spring.data.redis.url}")
    String redisUrl;

    /**
     * Two instances share one Redis: what one stores the other answers from, a flush on one (by
     * model version, then of everything) is gone for both, and both see the same entries.
     */
    @Test
    void shouldShareAndFlushAnswersAcrossTwoInstances() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RedisAutoConfiguration.class))
                .withUserConfiguration(CacheConfiguration.class)
                .withBean(SimpleMeterRegistry.class)
                .withPropertyValues("spring.data.redis.url=" + redisUrl)
                .run(other -> {
                    PredictionCache otherCache = other.getBean(PredictionCache.class);
                    CacheOperations otherOperations = other.getBean(CacheOperations.class);
                    String text = "shared by two instances " + System.nanoTime();
                    PredictionTask byDistilbert = task(text);
                    cache.lookup(byDistilbert);
                    inferAndStore(cache, byDistilbert, spam(0.91));
                    PredictionTask byRoberta = task(text, Predictions.ROBERTA_V1);
                    otherCache.lookup(byRoberta);
                    inferAndStore(otherCache, byRoberta, Predictions.roberta(0.8));
                    long entries = operations.statistics().entries();
                    assertThat(entries).isGreaterThanOrEqualTo(2);
                    assertThat(otherOperations.statistics().entries()).isEqualTo(entries);
                    assertThat(otherOperations.statistics().backend()).isEqualTo("redis");

                    PredictionTask sharedHit = task(text);
                    otherCache.lookup(sharedHit);
                    assertThat(sharedHit.cached()).as("the other instance answers from what this one stored").isTrue();

                    assertThat(otherOperations.flush("spam-roberta", "1", "ops").removed()).isGreaterThanOrEqualTo(1);
                    PredictionTask robertaAgain = task(text, Predictions.ROBERTA_V1);
                    cache.lookup(robertaAgain);
                    PredictionTask distilbertAgain = task(text);
                    cache.lookup(distilbertAgain);
                    assertThat(robertaAgain.answered()).isFalse();
                    assertThat(distilbertAgain.answered()).isTrue();

                    String rememberedAnswer = CacheConfiguration.ANSWERS_KEY_PREFIX + "flush-test-" + System.nanoTime();
                    redis.opsForValue().set(rememberedAnswer, "{}");
                    assertThat(otherOperations.flush(null, null, "ops").removed()).isGreaterThanOrEqualTo(1);
                    PredictionTask afterAll = task(text);
                    cache.lookup(afterAll);
                    assertThat(afterAll.answered()).isFalse();
                    assertThat(operations.statistics().entries()).isZero();
                    assertThat(redis.hasKey(rememberedAnswer))
                            .as("a flush of predictions leaves the remembered HTTP answers alone").isTrue();
                    redis.delete(rememberedAnswer);
                });
    }

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
