package dev.modelapi.audit;

import dev.modelapi.pipeline.PredictionTask;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where audit rows go: the database, or while it is down the on-disk spool, so that an answered
 * text is never left without its row. Used by the {@code audit-insert} step and by channels that
 * acknowledge a message only once its audit is recorded (JMS).
 */
public class AuditSink {

    private static final Logger log = LoggerFactory.getLogger(AuditSink.class);

    private final AuditWriter writer;
    private final AuditSpool spool;
    private final AuditRecords records;

    AuditSink(AuditWriter writer, AuditSpool spool, AuditRecords records) {
        this.writer = writer;
        this.spool = spool;
        this.records = records;
    }

    /** Writes the rows; with the database down they are spooled and the call succeeds. */
    public void write(List<AuditRecord> rows) {
        if (rows.isEmpty()) {
            return;
        }
        if (spool.pendingRows() == 0) {
            try {
                writer.write(rows);
                return;
            } catch (RuntimeException | AssertionError e) {
                // any failure to write (the driver asserts under -ea as well as throwing) spools the rows
                log.warn("Audit database unavailable ({}); spooling {} rows", e.getMessage(), rows.size());
            }
        }
        // once rows are spooled, later rows queue behind them so they reach the database in order
        spool.spool(rows);
    }

    /** The rows of a request's answered texts, now (before a channel acknowledges the request). */
    public void writeAnswered(List<PredictionTask> tasks) {
        write(tasks.stream().filter(PredictionTask::answered).map(records::of).toList());
    }
}
