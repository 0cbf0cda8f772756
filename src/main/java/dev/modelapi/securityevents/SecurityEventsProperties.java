package dev.modelapi.securityevents;

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
 * Security events ({@code modelapi.security.events.*}).
 *
 * @param queueCapacity events waiting for the audit database's writer (queue {@code seda:security-events});
 *     one more is dropped and counted, never waited for: a flood of refusals must not slow the gate
 * @param burstRefusals refusals from one source (key holder, else address, else key id) within {@code burstWindow}
 *     that make a burst: one {@code burst} event, {@code modelapi_security_refusal_bursts_total}
 *     and {@code modelapi_security_burst_sources}
 * @param burstWindow the window of a burst (a bare number is seconds)
 * @param trackedSources the most sources whose refusals are counted at once (the least recent go first)
 */
@Validated
@ConfigurationProperties("modelapi.security.events")
public record SecurityEventsProperties(
        @Min(1) @Max(1_000_000) @DefaultValue("10000") int queueCapacity,
        @Min(2) @Max(1_000_000) @DefaultValue("20") int burstRefusals,
        @NotNull @DurationMin(seconds = 1) @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("60s") Duration burstWindow,
        @Min(1) @Max(1_000_000) @DefaultValue("10000") int trackedSources) {
}
