package dev.modelapi.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@code audit-retention} step (a timer route in routes/audit.camel.yaml): rows older than
 * {@code modelapi.audit.retention} are deleted, or with {@code retention-action: archive} moved
 * to {@code prediction_audit_archive} in the same transaction; security events likewise (to
 * {@code security_event_archive}). A retention of 0 keeps everything.
 * The {@code audit-in-memory-limit} step keeps the in-memory database of the default run to
 * {@code in-memory-max-rows}, so that a service left running on its defaults does not grow; it
 * deletes only when rows were written since it last did (the {@code audit-written} and
 * {@code security-events-written} steps count them), or {@link #IN_MEMORY_LIMIT_AT_LEAST} after it last did, for rows written past that count:
 * two deletes every 100 ms of a service no request reaches cost 1.6 % of a core.
 */
public class AuditRetention {

    private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);

    /** The in-memory limit is applied at least this often, whether or not rows were counted as written. */
    static final Duration IN_MEMORY_LIMIT_AT_LEAST = Duration.ofSeconds(10);

    private final JdbcTemplate jdbc;
    private final AuditProperties settings;
    private final Counter removed;
    private final TransactionTemplate transactions;
    private final boolean inMemory;
    private final LongSupplier rowsWritten;
    private final long limitAtLeastNanos;
    /** Rows written when the in-memory limit was last applied; -1: never. Guarded by this. */
    private long writtenAtLastLimit = -1;
    /** System.nanoTime() when it was last applied. Guarded by this. */
    private long lastLimit;

    /**
     * @param rowsWritten audit rows written so far ({@link AuditMetrics#rowsWritten()})
     */
    AuditRetention(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, AuditProperties settings,
            boolean inMemory, MeterRegistry meters, LongSupplier rowsWritten) {
        this(jdbc, transactionManager, settings, inMemory, meters, rowsWritten, IN_MEMORY_LIMIT_AT_LEAST);
    }

    AuditRetention(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, AuditProperties settings,
            boolean inMemory, MeterRegistry meters, LongSupplier rowsWritten, Duration limitAtLeast) {
        this.jdbc = jdbc;
        this.inMemory = inMemory;
        this.rowsWritten = rowsWritten;
        this.limitAtLeastNanos = limitAtLeast.toNanos();
        this.transactions = new TransactionTemplate(transactionManager);
        this.settings = settings;
        this.removed = Counter.builder("modelapi.audit.retention.rows")
                .description("Audit rows past retention (or past in-memory-max-rows in the in-memory database), deleted or archived")
                .register(meters);
    }

    /** @return rows deleted or archived; with retention 0 nothing, without touching the database */
    public int apply() {
        if (settings.retention().isZero()) {
            return 0;
        }
        return applyBefore(Instant.now().minus(settings.retention()));
    }

    /**
     * With the in-memory database of the default run, deletes the oldest rows past
     * {@code in-memory-max-rows} (by id, the insertion order), and as many security events;
     * anywhere else nothing.
     *
     * <p>Nothing either when no row was counted as written since the last time, unless that was
     * {@link #IN_MEMORY_LIMIT_AT_LEAST} ago.
     *
     * @return prediction rows deleted
     */
    public synchronized int applyInMemoryLimit() {
        if (!inMemory || settings.inMemoryMaxRows() == 0) {
            return 0;
        }
        long written = rowsWritten.getAsLong();
        long now = System.nanoTime();
        if (written == writtenAtLastLimit && now - lastLimit < limitAtLeastNanos) {
            return 0;
        }
        writtenAtLastLimit = written;
        lastLimit = now;
        int rows = jdbc.update("DELETE FROM prediction_audit WHERE id <= (SELECT MAX(id) FROM prediction_audit) - ?",
                settings.inMemoryMaxRows());
        int events = jdbc.update("DELETE FROM security_event WHERE id <= (SELECT MAX(id) FROM security_event) - ?",
                settings.inMemoryMaxRows());
        removed.increment(events);
        if (rows > 0) {
            log.debug("In-memory audit: {} oldest rows deleted (in-memory-max-rows {})", rows, settings.inMemoryMaxRows());
            removed.increment(rows);
        }
        return rows;
    }

    /** Deletes (or archives) every row created before {@code cutoff}, in one transaction. */
    public int applyBefore(Instant cutoff) {
        Integer rows = transactions.execute(status -> removeBefore(cutoff));
        return rows == null ? 0 : rows;
    }

    private int removeBefore(Instant cutoff) {
        Timestamp before = Timestamp.from(cutoff);
        if (settings.retentionAction() == AuditProperties.RetentionAction.ARCHIVE) {
            jdbc.update("""
                    INSERT INTO prediction_audit_archive (id, request_id, item_index, created_at, channel, principal,
                        models, input_sha256, input_length, label, score, cached, batch_size, latency_ms, degraded,
                        failed_models, idempotency_key, flags, pii, input_text, archived_at)
                    SELECT id, request_id, item_index, created_at, channel, principal, models, input_sha256,
                        input_length, label, score, cached, batch_size, latency_ms, degraded, failed_models,
                        idempotency_key, flags, pii, input_text, CURRENT_TIMESTAMP
                    FROM prediction_audit WHERE created_at < ?""", before);
        }
        if (settings.retentionAction() == AuditProperties.RetentionAction.ARCHIVE) {
            jdbc.update("""
                    INSERT INTO security_event_archive (id, event_id, created_at, kind, reason, outcome, status, channel,
                        principal, source, key_id, target, request_id, detail, archived_at)
                    SELECT id, event_id, created_at, kind, reason, outcome, status, channel, principal, source, key_id,
                        target, request_id, detail, CURRENT_TIMESTAMP
                    FROM security_event WHERE created_at < ?""", before);
        }
        int rows = jdbc.update("DELETE FROM prediction_audit WHERE created_at < ?", before);
        rows += jdbc.update("DELETE FROM security_event WHERE created_at < ?", before);
        if (rows > 0) {
            log.info("Audit retention: {} rows older than {} {}", rows, cutoff,
                    settings.retentionAction() == AuditProperties.RetentionAction.ARCHIVE ? "archived" : "deleted");
            removed.increment(rows);
        }
        return rows;
    }
}
