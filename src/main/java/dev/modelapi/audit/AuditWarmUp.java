package dev.modelapi.audit;

import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The start-up warm-up's texts through the default run's in-memory audit database, and out of it
 * again before readiness. Without them the writer's code (H2's insert and trim, camel-sql, the
 * aggregator) ran for the first time under the first load, fell thousands of rows behind while the
 * one C2 thread compiled it beside the request path, and that minute's long young pauses made G1
 * grow the heap by 200-300 MB for good (docs/performance.md). A database outside the process does
 * that work in its own process: there the warm-up's texts are not written at all.
 */
public class AuditWarmUp {

    private static final Logger log = LoggerFactory.getLogger(AuditWarmUp.class);

    private final JdbcTemplate jdbc;
    private final boolean writesRows;
    private final LongSupplier rowsWritten;
    private final long pollNanos;
    private final Counter forgotten;
    /** {@link #rowsWritten} when the warm-up began. */
    private volatile long writtenAtBegin;

    /**
     * @param rowsWritten prediction rows written so far ({@link AuditMetrics#predictionRowsWritten()})
     * @param poll how often to look again whether the writer has written the warm-up's last row
     */
    AuditWarmUp(JdbcTemplate jdbc, boolean writesRows, LongSupplier rowsWritten, Duration poll, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.writesRows = writesRows;
        this.rowsWritten = rowsWritten;
        this.pollNanos = poll.toNanos();
        this.forgotten = Counter.builder("modelapi.audit.warmup.rows")
                .description("The start-up warm-up's rows, written to the in-memory audit database to compile its "
                        + "writer and deleted before readiness")
                .register(meters);
    }

    /** Whether the warm-up's texts are written: the audit is on and its database is in memory. */
    public boolean writesRows() {
        return writesRows;
    }

    /** The texts the audit writes a row of: a caller's; the warm-up's too while {@link #writesRows()}. */
    boolean audited(PredictionTask task) {
        return task.fromCaller() || writesRows && task.warmUp();
    }

    /** The warm-up is about to send its requests. */
    public void begin() {
        writtenAtBegin = rowsWritten.getAsLong();
    }

    /**
     * Deletes the warm-up's rows once the writer has written them all: when its last answer is sent
     * some are still in the wiretap's pool, {@code seda:audit} or the aggregator's partial batch, so
     * it waits until the writer has written as many prediction rows (security events are not
     * counted) since {@link #begin()} as the warm-up answered texts (the in-memory limit may have
     * deleted some of them already), for at most {@code within}, then deletes what is left of them.
     *
     * @param texts the texts the warm-up had answered
     * @return whether every one had been written before the delete (false: some came too late, and
     *     the in-memory limit removes them later)
     */
    public boolean forgetRows(long texts, Duration within) {
        if (!writesRows || texts <= 0) {
            return true;
        }
        long deadline = System.nanoTime() + within.toNanos();
        boolean written;
        try {
            while (!(written = rowsWritten.getAsLong() - writtenAtBegin >= texts) && System.nanoTime() - deadline < 0) {
                TimeUnit.NANOSECONDS.sleep(pollNanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            written = false;
        }
        int rows = jdbc.update("DELETE FROM prediction_audit WHERE principal = ?", PredictionTask.WARM_UP_PRINCIPAL);
        forgotten.increment(rows);
        if (written) {
            log.info("Start-up warm-up: its {} texts' audit rows written, to compile the audit's writer, and the {} the "
                    + "in-memory limit had not removed deleted", texts, rows);
        } else {
            log.warn("Start-up warm-up: {} audit rows of its {} texts deleted, the writer was still behind after {}; the "
                    + "in-memory limit removes the rest", rows, texts, within);
        }
        return written;
    }
}
