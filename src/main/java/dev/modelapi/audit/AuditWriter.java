package dev.modelapi.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Inserts audit rows in JDBC batches. Idempotent on {@code (request_id, item_index)}, so the audit
 * route may redeliver a failed batch without duplicating the rows that did land.
 */
public class AuditWriter {

    /**
     * {@code ON CONFLICT DO NOTHING} without a conflict target: H2 (PostgreSQL mode) rejects a target
     * list, PostgreSQL accepts both, and the only other unique key is the generated id, so the two
     * forms mean the same here.
     */
    static final String INSERT = """
            INSERT INTO prediction_audit (request_id, item_index, created_at, channel, principal, models,
                input_sha256, input_length, label, score, cached, batch_size, latency_ms, degraded, failed_models,
                idempotency_key, flags, pii, input_text)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING""";

    private final JdbcTemplate jdbc;
    private final int batchSize;
    private final boolean enabled;
    private final Counter rowsWritten;
    private final Counter writeFailures;

    AuditWriter(JdbcTemplate jdbc, AuditProperties settings, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.batchSize = settings.batchSize();
        this.enabled = settings.enabled();
        this.rowsWritten = Counter.builder("modelapi.audit.rows.written")
                .description("Audit rows inserted; a redelivered duplicate is not counted")
                .register(meters);
        this.writeFailures = Counter.builder("modelapi.audit.write.failures")
                .description("Audit writes that failed; their rows may be redelivered")
                .register(meters);
    }

    /**
     * Inserts the rows, {@code batchSize} per JDBC batch. A failure is counted and rethrown so the
     * caller (the audit route) decides whether to redeliver.
     */
    public void write(List<AuditRecord> records) {
        if (!enabled || records.isEmpty()) {
            return;
        }
        try {
            int[][] counts = jdbc.batchUpdate(INSERT, records, batchSize, AuditWriter::bind);
            rowsWritten.increment(inserted(counts));
        } catch (DataAccessException e) {
            writeFailures.increment();
            throw e;
        }
    }

    public void writeOne(AuditRecord record) {
        write(List.of(record));
    }

    private static void bind(PreparedStatement insert, AuditRecord row) throws SQLException {
        insert.setString(1, row.requestId());
        insert.setInt(2, row.itemIndex());
        insert.setObject(3, OffsetDateTime.ofInstant(row.createdAt(), ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
        insert.setString(4, row.channel());
        insert.setString(5, row.principal());
        insert.setString(6, row.models());
        insert.setString(7, row.inputSha256());
        insert.setInt(8, row.inputLength());
        insert.setString(9, row.label());
        insert.setDouble(10, row.score());
        insert.setBoolean(11, row.cached());
        insert.setInt(12, row.batchSize());
        insert.setLong(13, row.latencyMs());
        insert.setBoolean(14, row.degraded());
        insert.setString(15, row.failedModels());
        insert.setString(16, row.idempotencyKey());
        insert.setString(17, row.flags());
        insert.setString(18, row.pii());
        insert.setString(19, row.inputText());
    }

    /** Rows actually inserted: 0 for a duplicate; a driver that reports no count is taken at its word of success. */
    private static long inserted(int[][] counts) {
        long rows = 0;
        for (int[] batch : counts) {
            for (int count : batch) {
                rows += count == Statement.SUCCESS_NO_INFO ? 1 : Math.max(count, 0);
            }
        }
        return rows;
    }
}
