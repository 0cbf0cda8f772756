package dev.modelapi.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.Exchange;

/**
 * The {@code audit-queue-full} step: {@code seda:audit} refused a row (queue-capacity rows wait
 * already), so the thread that made it writes it itself, and with it the rows at the queue's head,
 * as one batch of up to batch-size rows. The writers fall that far behind only when the cores are
 * never idle (256 connections on the cached path: every request thread runnable, the writer one
 * thread among them); one row written alone cost that thread an exception, a transaction and a
 * pass through the store route for every row from then on, where the batch frees batch-size - 1
 * places for the rows after it (docs/performance.md).
 */
public class AuditOverflow {

    private final AuditMetrics metrics;
    private final AuditWriters writers;
    private final int batchSize;
    private final Counter drained;

    /**
     * @param writers the owner of {@code seda:audit}, whose head the rows are taken from
     * @param batchSize {@code modelapi.audit.batch-size}: the most rows written at once
     */
    AuditOverflow(AuditMetrics metrics, AuditWriters writers, int batchSize, MeterRegistry meters) {
        this.metrics = metrics;
        this.writers = writers;
        this.batchSize = Math.max(1, batchSize);
        this.drained = Counter.builder("modelapi.audit.rows.drained")
                .description("Audit rows a request's thread took from the head of a full seda:audit and wrote with its own")
                .register(meters);
    }

    /** The row that found the queue full, and up to batch-size - 1 rows from the queue's head (oldest first, then it). */
    public List<AuditRecord> rows(@Body AuditRecord row, Exchange exchange) {
        metrics.overflowed();
        List<Exchange> waiting = new ArrayList<>(batchSize - 1);
        writers.drainTo(waiting, batchSize - 1);
        List<AuditRecord> rows = new ArrayList<>(waiting.size() + 1);
        for (Exchange queued : waiting) {
            // only audit-record's rows are queued; anything else fails the insert and is spooled or rejected
            rows.add(queued.getIn().getBody(AuditRecord.class));
            // what would have run when the writer completed it runs when this exchange completes
            queued.getExchangeExtension().handoverCompletions(exchange);
        }
        rows.add(row);
        drained.increment(waiting.size());
        return rows;
    }
}
