package dev.modelapi.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/** Reads the audit trail back by request, for tests and for whoever has to answer "what did we say?". */
public class AuditQueries {

    private final JdbcTemplate jdbc;
    private final AuditCipher cipher;

    AuditQueries(JdbcTemplate jdbc, AuditCipher cipher) {
        this.jdbc = jdbc;
        this.cipher = cipher;
    }

    public long countByRequestId(String requestId) {
        Long rows = jdbc.queryForObject("SELECT COUNT(*) FROM prediction_audit WHERE request_id = ?", Long.class,
                requestId);
        return rows == null ? 0 : rows;
    }

    /** The request's rows in item order, their texts opened. */
    public List<AuditRecord> findByRequestId(String requestId) {
        return jdbc.query("""
                SELECT request_id, item_index, created_at, channel, principal, models, input_sha256,
                    input_length, label, score, cached, batch_size, latency_ms, degraded, failed_models,
                    idempotency_key, flags, pii, input_text
                FROM prediction_audit WHERE request_id = ? ORDER BY item_index""",
                this::row, requestId);
    }

    /** The stored form of the request's texts, in item order, as the database holds them (sealed when kept). */
    public List<String> storedTexts(String requestId) {
        return jdbc.queryForList("SELECT input_text FROM prediction_audit WHERE request_id = ? ORDER BY item_index",
                String.class, requestId);
    }

    private AuditRecord row(ResultSet rs, int rowNum) throws SQLException {
        return new AuditRecord(rs.getString("request_id"), rs.getInt("item_index"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getString("channel"),
                rs.getString("principal"), rs.getString("models"), rs.getString("input_sha256"),
                rs.getInt("input_length"), rs.getString("label"), rs.getDouble("score"), rs.getBoolean("cached"),
                rs.getInt("batch_size"), rs.getLong("latency_ms"), rs.getBoolean("degraded"),
                rs.getString("failed_models"), rs.getString("idempotency_key"), rs.getString("flags"),
                rs.getString("pii"), cipher.open(rs.getString("input_text"), rs.getString("request_id"),
                        rs.getInt("item_index")));
    }
}
