package dev.modelapi.batching;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How identical texts in flight together share one answer ({@link PendingAnswers}). The settings
 * keep their cache names ({@code modelapi.cache.in-flight-*}): to a user, identical texts sharing
 * an answer is the cache's doing; the rest of {@code modelapi.cache.*} is the cache package's.
 *
 * @param inFlightMaxEntries the most distinct texts tracked as in flight; past it a text simply runs its own inference
 * @param inFlightTimeout how long an in-flight entry is trusted: an inference that never completes its future
 *     must not make every identical text wait on it forever
 */
@Validated
@ConfigurationProperties("modelapi.cache")
record SingleFlightProperties(
        @Min(1) @DefaultValue("10000") int inFlightMaxEntries,
        @NotNull @DurationMin(millis = 1) @DefaultValue("1m") Duration inFlightTimeout) {
}
