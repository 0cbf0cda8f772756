package dev.modelapi.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Header;

/** The audit routes' counters: rows the database took, writes it refused, rows it refused as invalid. */
public class AuditMetrics {

    private final Counter rowsWritten;
    private final Counter writeFailures;
    private final Counter rowsRejected;
    private final Counter rowsOverflowed;
    /** Of {@link #rowsWritten}, the {@code prediction_audit} rows: what the start-up warm-up waits for. */
    private final AtomicLong predictionRowsWritten = new AtomicLong();

    AuditMetrics(MeterRegistry meters) {
        this.rowsWritten = Counter.builder("modelapi.audit.rows.written")
                .description("Audit rows inserted; a redelivered duplicate is not counted")
                .register(meters);
        this.writeFailures = Counter.builder("modelapi.audit.write.failures")
                .description("Audit writes the database refused; their rows were spooled or stay spooled")
                .register(meters);
        this.rowsRejected = Counter.builder("modelapi.audit.rows.rejected")
                .description("Audit rows the database refused as invalid, kept in the spool's rejected folder")
                .register(meters);
        this.rowsOverflowed = Counter.builder("modelapi.audit.rows.overflowed")
                .description("Audit rows that found seda:audit full and were written by the thread that made them")
                .register(meters);
    }

    /**
     * {@code seda:audit} refused a row (modelapi.audit.queue-capacity rows wait already): the thread
     * that made it writes it itself ({@link AuditOverflow}).
     */
    void overflowed() {
        rowsOverflowed.increment();
    }

    /** The {@code audit-written} step, after a batch insert of prediction rows: the rows it inserted (a duplicate counts 0). */
    public void written(@Header("CamelSqlUpdateCount") Integer inserted) {
        if (inserted != null && inserted > 0) {
            rowsWritten.increment(inserted);
            predictionRowsWritten.addAndGet(inserted);
        }
    }

    /** The {@code security-events-written} step, after a batch insert of security events. */
    public void eventsWritten(@Header("CamelSqlUpdateCount") Integer inserted) {
        if (inserted != null && inserted > 0) {
            rowsWritten.increment(inserted);
        }
    }

    /** Audit rows inserted so far, both tables. */
    public long rowsWritten() {
        return (long) rowsWritten.count();
    }

    /** {@code prediction_audit} rows inserted so far. */
    public long predictionRowsWritten() {
        return predictionRowsWritten.get();
    }

    /** The {@code audit-count-rejected} step. */
    public void rejected(int rows) {
        rowsRejected.increment(rows);
    }

    /** A write the database refused (not one the open breaker kept from it). */
    public void failed() {
        writeFailures.increment();
    }
}
