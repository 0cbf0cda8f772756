package dev.modelapi.cache;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.modelapi.bounded.BoundedMaps;
import dev.modelapi.ensemble.EnsembleResult;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;
import dev.modelapi.model.ModelRegistry;
import org.springframework.beans.factory.ObjectProvider;
import dev.modelapi.model.TextClassifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.serializer.Jackson2JsonRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializationContext.SerializationPair;

/**
 * Chooses the store behind the prediction cache and the HTTP answers kept per
 * {@code Idempotency-Key}: Caffeine in-process, or Redis when {@code spring.data.redis.url} is set
 * so that every replica reuses every answer. Both caches are created at start-up, so Boot binds
 * their Micrometer meters before the first request.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({CacheProperties.class, IdempotencyProperties.class, CacheWarmingProperties.class})
class CacheConfiguration {

    static final String PREDICTIONS = CacheNames.PREDICTIONS;
    static final String REDIS_KEY_PREFIX = "modelapi:prediction:";
    static final String ANSWERS_KEY_PREFIX = "modelapi:answer:";

    @Bean
    PredictionCache predictionCache(CacheManager cacheManager, CacheProperties settings, MeterRegistry meters,
            ObjectProvider<ModelRegistry> registry) {
        Cache predictions = Objects.requireNonNull(cacheManager.getCache(PREDICTIONS), "cache " + PREDICTIONS);
        ModelRegistry models = registry.getIfAvailable();
        if (models == null) {
            return new PredictionCache(predictions, settings, meters);
        }
        return new PredictionCache(predictions, settings, meters, model -> (model.version() == null
                ? models.find(model.name()) : models.findForInference(model.name(), model.version()))
                .map(TextClassifier::fingerprint).orElse(""));
    }

    /** Cache warming: texts kept as callers ask them, warmed when a model's default version changes. */
    @Bean
    CacheWarming cacheWarming(CacheWarmingProperties warmingSettings, CacheProperties cacheSettings,
            ObjectProvider<org.apache.camel.ProducerTemplate> producer, MeterRegistry meters,
            ObjectProvider<ModelRegistry> registry) {
        // without a cache nothing warmed would be kept: keep no text either
        CacheWarmingProperties settings = cacheSettings.enabled() ? warmingSettings
                : new CacheWarmingProperties(false, warmingSettings.keptTexts(), warmingSettings.keepFor(),
                        warmingSettings.maxTexts(), warmingSettings.textsPerSecond());
        // camel-spring-boot's template, looked up at the first warming (tests of the cache alone have no Camel)
        CacheWarming warming = new CacheWarming(settings, producer::getObject, meters);
        registry.ifAvailable(models -> models.onDefaultChange(warming::defaultChanged));
        return warming;
    }

    /** The operators' side of the prediction cache (routes/cache.camel.yaml), on whichever backend it has. */
    @Bean
    CacheOperations cacheOperations(PredictionCache cache, CacheManager cacheManager, CacheProperties settings,
            MeterRegistry meters, ObjectProvider<RedisConnectionFactory> redis, ObjectProvider<ModelRegistry> registry) {
        Cache predictions = Objects.requireNonNull(cacheManager.getCache(PREDICTIONS), "cache " + PREDICTIONS);
        CacheOperations.Store store = cacheManager instanceof RedisCacheManager
                ? CacheOperations.redis(redis.getObject(), REDIS_KEY_PREFIX, ensembleResultJson())
                : CacheOperations.caffeine(predictions);
        ModelRegistry models = registry.getIfAvailable();
        return new CacheOperations(cache, store, settings, meters,
                model -> models == null || models.names().contains(model));
    }

    static CaffeineCacheManager caffeineCacheManager(CacheProperties settings, IdempotencyProperties idempotency) {
        CaffeineCacheManager manager = new CaffeineCacheManager();
        manager.setCaffeine(BoundedMaps.upkeptByCaller()
                .maximumSize(settings.maxEntries())
                .expireAfterWrite(settings.ttl())
                .recordStats());
        manager.setAllowNullValues(false);
        manager.setCacheNames(List.of(PREDICTIONS));
        manager.registerCustomCache(CacheNames.IDEMPOTENT_ANSWERS, BoundedMaps.upkeptByCaller()
                .maximumSize(idempotency.maxEntries())
                .expireAfterWrite(idempotency.ttl())
                .recordStats()
                .build());
        return manager;
    }

    static RedisCacheManager redisCacheManager(RedisConnectionFactory connections, CacheProperties settings,
            IdempotencyProperties idempotency) {
        RedisCacheConfiguration answers = RedisCacheConfiguration.defaultCacheConfig()
                .entryTtl(idempotency.ttl())
                .computePrefixWith(cacheName -> ANSWERS_KEY_PREFIX)
                .disableCachingNullValues()
                .serializeValuesWith(SerializationPair.fromSerializer(RedisSerializer.string()));
        RedisCacheConfiguration predictions = RedisCacheConfiguration.defaultCacheConfig()
                .entryTtl(settings.ttl())
                .computePrefixWith(cacheName -> REDIS_KEY_PREFIX)
                .disableCachingNullValues()
                .serializeValuesWith(SerializationPair.fromSerializer(ensembleResultJson()));
        return RedisCacheManager.builder(connections)
                .cacheDefaults(predictions)
                .withCacheConfiguration(PREDICTIONS, predictions)
                .withCacheConfiguration(CacheNames.IDEMPOTENT_ANSWERS, answers)
                .disableCreateOnMissingCache()
                .enableStatistics()
                .build();
    }

    /**
     * Plain JSON so {@code redis-cli GET} shows the answer. A mapper of its own, not the application's:
     * the stored format must not change when someone customises the HTTP JSON.
     */
    static Jackson2JsonRedisSerializer<EnsembleResult> ensembleResultJson() {
        JsonMapper json = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        return new Jackson2JsonRedisSerializer<>(json, EnsembleResult.class);
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(RedisSelection.OnNoRedis.class)
    static class InProcess {

        @Bean
        CaffeineCacheManager cacheManager(CacheProperties settings, IdempotencyProperties idempotency) {
            return caffeineCacheManager(settings, idempotency);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(RedisSelection.OnRedis.class)
    static class Shared {

        @Bean
        RedisCacheManager cacheManager(RedisConnectionFactory redisConnectionFactory, CacheProperties settings,
                IdempotencyProperties idempotency) {
            return redisCacheManager(redisConnectionFactory, settings, idempotency);
        }
    }
}
