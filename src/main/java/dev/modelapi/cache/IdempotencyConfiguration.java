package dev.modelapi.cache;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.component.redis.processor.idempotent.SpringRedisStringIdempotentRepository;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The idempotent repositories the routes name: {@code jmsDeliveries} and {@code kafkaDeliveries}
 * for the {@code idempotentConsumer} steps of the JMS and Kafka ingress (a message answered once,
 * whichever instance gets its redelivery or replay). Camel's own repositories: Redis
 * (camel-spring-redis's {@link SpringRedisStringIdempotentRepository}, one key per message with the
 * TTL {@code modelapi.idempotency.ttl}) when {@code REDIS_URL} is set, so instances share them;
 * otherwise in memory ({@link MemoryIdempotentRepository}, the newest
 * {@code modelapi.idempotency.max-entries} keys), for one instance.
 */
@Configuration(proxyBeanMethods = false)
class IdempotencyConfiguration {

    static final String REDIS_KEY_PREFIX = "modelapi:once:";

    @Bean
    IdempotentRepository jmsDeliveries(Environment environment, ObjectProvider<StringRedisTemplate> redis,
            IdempotencyProperties settings, MeterRegistry meters) {
        return repository("jms", environment, redis, settings, meters);
    }

    @Bean
    IdempotentRepository kafkaDeliveries(Environment environment, ObjectProvider<StringRedisTemplate> redis,
            IdempotencyProperties settings, MeterRegistry meters) {
        return repository("kafka", environment, redis, settings, meters);
    }


    static IdempotentRepository repository(String name, Environment environment,
            ObjectProvider<StringRedisTemplate> redis, IdempotencyProperties settings, MeterRegistry meters) {
        IdempotentRepository store;
        if (RedisSelection.selected(environment)) {
            SpringRedisStringIdempotentRepository shared = new SpringRedisStringIdempotentRepository(
                    redis.getObject(), REDIS_KEY_PREFIX + name);
            shared.setExpiry(settings.ttl().toSeconds());
            store = shared;
        } else {
            store = MemoryIdempotentRepository.memoryIdempotentRepository(settings.maxEntries());
        }
        return new CountedIdempotentRepository(store, name, meters);
    }
}
