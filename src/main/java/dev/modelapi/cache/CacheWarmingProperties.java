package dev.modelapi.cache;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.validation.annotation.Validated;

/**
 * Cache warming ({@code modelapi.cache.warming.*}): when a model's default version changes, the
 * texts asked most of late are answered by the new version in the background, so the first callers
 * after a rollout do not all miss.
 *
 * @param enabled off: no text is kept and nothing is warmed
 * @param keptTexts the most texts kept for warming, in this instance's memory only (never on disk,
 *     never in Redis): the ones asked most often and most lately win a place
 * @param keepFor how long a text stays kept after it was last asked (a bare number is seconds)
 * @param maxTexts the most texts one default change warms, the most asked first
 * @param textsPerSecond the pace of warming, so that callers keep the models first
 */
@Validated
@ConfigurationProperties("modelapi.cache.warming")
record CacheWarmingProperties(
        @DefaultValue("true") boolean enabled,
        @Min(1) @Max(100_000) @DefaultValue("1000") int keptTexts,
        @NotNull @DurationMin(seconds = 1) @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("1h") Duration keepFor,
        @Min(1) @Max(100_000) @DefaultValue("200") int maxTexts,
        @Min(1) @Max(10_000) @DefaultValue("10") int textsPerSecond) {
}
