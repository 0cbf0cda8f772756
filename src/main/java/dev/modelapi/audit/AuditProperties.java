package dev.modelapi.audit;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How much audit may wait in memory and how it reaches the database ({@code modelapi.audit.*}).
 *
 * @param queueCapacity rows that may wait for the writer ({@code seda:audit} size); past it the audit route
 *     rejects instead of growing the heap
 * @param batchSize rows per JDBC insert batch, and the most rows the audit route gathers before writing
 * @param flushInterval how long the audit route waits for more rows before it writes a partial batch
 * @param enabled off: the writer writes nothing
 */
@Validated
@ConfigurationProperties("modelapi.audit")
record AuditProperties(
        @Min(1) @Max(1_000_000) @DefaultValue("10000") int queueCapacity,
        @Min(1) @Max(10_000) @DefaultValue("100") int batchSize,
        @NotNull @DurationMin(millis = 1) @DefaultValue("200ms") Duration flushInterval,
        @DefaultValue("true") boolean enabled) {
}
