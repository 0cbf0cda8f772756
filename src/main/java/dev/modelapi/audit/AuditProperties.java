package dev.modelapi.audit;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How much audit may wait in memory and how it reaches the database ({@code modelapi.audit.*}).
 *
 * @param queueCapacity rows that may wait for the writer ({@code seda:audit} size); past it the thread that
 *     made a row writes it itself ({@code audit-queue-full}) instead of growing the heap. 1,000: under a
 *     load past what the writer keeps up with, the queue is full whatever its size, and 10,000 waiting rows
 *     were promoted into the old generation, where they doubled the heap and lengthened every young pause
 *     after the burst (docs/performance.md, stop 71)
 * @param batchSize rows per JDBC insert batch, and the most rows the audit route gathers before writing
 * @param flushInterval how long the audit route waits for more rows before it writes a partial batch
 * @param enabled off: no audit row is written (the {@code audit-enabled} filter of routes/audit.camel.yaml)
 * @param textStorage how much of the text a row keeps: {@code hash} (SHA-256 and length only),
 *     {@code redacted} (personal data replaced by its kind) or {@code raw}
 * @param spoolDirectory where rows wait on disk while the database is down
 * @param spoolDrainInterval how often spooled rows are tried against the database
 * @param retention how long rows are kept; 0 keeps them forever. A bare number is seconds (as for
 *     every TTL), so a retention under an hour is refused: {@code 365} is almost surely meant as {@code 365d}
 * @param retentionAction {@code delete} rows past retention, or {@code archive} them (moved to
 *     {@code prediction_audit_archive})
 * @param retentionInterval how often the retention route runs
 * @param exportMaxRows the most rows one CSV export returns
 * @param timeoutCheckerInterval how often the audit route looks for a partial batch older than
 *     {@code flushInterval}
 * @param inMemoryMaxRows with the in-memory database of the default run (rows that go when the JVM
 *     stops anyway), the most rows kept: older ones are deleted so the heap does not grow with
 *     every answer; 0 keeps them all. Never applied to a database on disk or PostgreSQL, where
 *     {@code retention} rules.
 * @param inMemoryLimitInterval how often that limit is applied
 * @param writerPolicy {@code idle}: the threads that drain the audit's queue (the consumers of the
 *     routes in {@code writerRoutes} and their aggregators' timeout checkers) run at {@code SCHED_IDLE}
 *     while the queue is short, so a request's thread never waits for them ({@code IdleThreads});
 *     {@code inherit}: at the process's policy, as every other thread
 * @param writerPromoteAt rows in {@code seda:audit} at which the writers leave {@code SCHED_IDLE} until the
 *     queue is down to a tenth of it; a queue smaller than that promotes them when it is full
 *     ({@link #writersPromotedAt()})
 * @param writerRoutes the routes whose consumers are the audit's writers (routes/audit.camel.yaml's ids); only
 *     routes that drain {@code seda:audit}, whose length promotes them: a writer of another queue
 *     ({@code security-event-write}) could starve at {@code SCHED_IDLE} in a flood of refusals that
 *     saturates the cores while no audit row is made
 */
@Validated
@ConfigurationProperties("modelapi.audit")
record AuditProperties(
        @Min(1) @Max(1_000_000) @DefaultValue("1000") int queueCapacity,
        @Min(1) @Max(10_000) @DefaultValue("100") int batchSize,
        @NotNull @DurationMin(millis = 1) @DefaultValue("200ms") Duration flushInterval,
        @DefaultValue("true") boolean enabled,
        @NotNull @DefaultValue("hash") AuditRecords.TextStorage textStorage,
        @NotNull Path spoolDirectory,
        @NotNull @DurationMin(millis = 1) @DefaultValue("5s") Duration spoolDrainInterval,
        @NotNull @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("0") Duration retention,
        @NotNull @DefaultValue("delete") RetentionAction retentionAction,
        @NotNull @DurationMin(millis = 1) @DefaultValue("1h") Duration retentionInterval,
        @Min(1) @DefaultValue("100000") int exportMaxRows,
        @NotNull @DurationMin(millis = 1) @DefaultValue("50ms") Duration timeoutCheckerInterval,
        @Min(0) @DefaultValue("1000") int inMemoryMaxRows,
        @NotNull @DurationMin(millis = 1) @DefaultValue("100ms") Duration inMemoryLimitInterval,
        @NotNull @DefaultValue("idle") WriterPolicy writerPolicy,
        @Min(10) @DefaultValue("1000") int writerPromoteAt,
        @NotNull @DefaultValue("audit-write") java.util.List<String> writerRoutes) {

    /** A retention is off (0) or at least an hour: seconds of audit would be a mistake, not a policy. */
    @AssertTrue(message = "must be 0 (keep forever) or at least 1h; a bare number is seconds: write the unit, e.g. 365d")
    public boolean isRetention() {
        return retention == null || retention.isZero() || retention.compareTo(Duration.ofHours(1)) >= 0;
    }

    /**
     * Rows in {@code seda:audit} at which the writers leave {@code SCHED_IDLE}: {@code writer-promote-at},
     * or the queue's size where that is smaller, so that a full queue always promotes them (a queue that
     * can never hold writer-promote-at rows would leave them idle under every backlog, its rows written
     * by the request threads alone).
     */
    public int writersPromotedAt() {
        return Math.min(writerPromoteAt, queueCapacity);
    }

    /** The audit writers' scheduling policy. */
    public enum WriterPolicy { IDLE, INHERIT }

    /** What happens to rows past the retention period. */
    public enum RetentionAction { DELETE, ARCHIVE }
}
