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
 * How long answers are reused and how much the cache may hold ({@code modelapi.cache.*}).
 *
 * @param ttl how long an answer is reused after it was stored (Caffeine expire-after-write, Redis key TTL);
 *     a bare number is seconds ({@code CACHE_TTL=3600} is an hour, as in the seed), units work too ({@code 1h}, {@code 30m})
 * @param maxEntries the most answers Caffeine holds; Redis is bounded by its own {@code maxmemory}
 * @param enabled off: never answer from the cache and never store, but identical texts still share one inference
 *     (the {@code in-flight-*} settings of that single flight are bound by the batcher's {@code SingleFlightProperties})
 * @param errorLogInterval at most one warning per interval while the backing store fails (every failure is counted)
 */
@Validated
@ConfigurationProperties("modelapi.cache")
record CacheProperties(
        @NotNull @DurationMin(millis = 1) @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("1h") Duration ttl,
        @Min(1) @DefaultValue("100000") long maxEntries,
        @DefaultValue("true") boolean enabled,
        @NotNull @DurationMin(millis = 1) @DefaultValue("1m") Duration errorLogInterval) {
}
