package dev.modelapi.cache;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long answers are reused and how much the cache may hold ({@code modelapi.cache.*}).
 *
 * @param ttl how long an answer is reused after it was stored (Caffeine expire-after-write, Redis key TTL)
 * @param maxEntries the most answers Caffeine holds; Redis is bounded by its own {@code maxmemory}
 * @param enabled off: never answer from the cache and never store, but identical texts still share one inference
 * @param inFlightMaxEntries the most distinct texts tracked as in flight for single flight; past it a text
 *     simply runs its own inference
 * @param inFlightTimeout how long an in-flight entry is trusted: an inference that never completes its future
 *     must not make every identical text wait on it forever
 * @param errorLogInterval at most one warning per interval while the backing store fails (every failure is counted)
 */
@Validated
@ConfigurationProperties("modelapi.cache")
record CacheProperties(
        @NotNull @DurationMin(millis = 1) @DefaultValue("1h") Duration ttl,
        @Min(1) @DefaultValue("100000") long maxEntries,
        @DefaultValue("true") boolean enabled,
        @Min(1) @DefaultValue("10000") int inFlightMaxEntries,
        @NotNull @DurationMin(millis = 1) @DefaultValue("1m") Duration inFlightTimeout,
        @NotNull @DurationMin(millis = 1) @DefaultValue("1m") Duration errorLogInterval) {
}
