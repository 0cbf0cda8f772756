package dev.modelapi.cache;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What the service remembers so that a request is answered once ({@code modelapi.idempotency.*}):
 * the keys of delivered JMS messages and Kafka records, and the first answer to each HTTP
 * {@code Idempotency-Key}. In Redis when {@code REDIS_URL} is set, so every instance shares them;
 * in memory otherwise.
 *
 * @param ttl how long a delivered message's key and an HTTP answer are remembered (Redis key TTL,
 *     Caffeine expire-after-write); a replay later than that is answered again
 * @param maxEntries the most keys, and separately the most HTTP answers, kept in memory (the oldest
 *     go first); Redis is bounded by the TTL and its own {@code maxmemory}
 */
@Validated
@ConfigurationProperties("modelapi.idempotency")
record IdempotencyProperties(
        @NotNull @DurationMin(seconds = 1) @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("24h") Duration ttl,
        @Min(1) @DefaultValue("100000") int maxEntries) {
}
