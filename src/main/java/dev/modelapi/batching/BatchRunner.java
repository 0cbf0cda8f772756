package dev.modelapi.batching;

import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.model.InferenceException;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

/**
 * The batch's own steps around the ensemble: {@code batch-prepare} drops texts whose caller has
 * already given up, {@code batch-complete} hands each text its answer, {@code batch-failed} hands
 * each the batch's error. Every job's future is completed exactly once.
 */
@Component("batchRunner")
public class BatchRunner {

    /** Exchange properties the batch route carries the jobs and their ensemble in. */
    public static final String JOBS = "batchJobs";
    public static final String ENSEMBLE = "ensemble";

    private final DistributionSummary batchSizes;
    private final Timer queueWait;
    private final MeterRegistry meters;

    public BatchRunner(MeterRegistry meters) {
        this.meters = meters;
        this.queueWait = Timer.builder("modelapi.batch.queue.wait")
                .description("Time a text waited in the batcher's queue before its batch started")
                .publishPercentileHistogram()
                .register(meters);
        this.batchSizes = DistributionSummary.builder("modelapi.batch.size")
                .description("Texts per inference batch")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128)
                .register(meters);
    }

    /** Keeps the jobs still waiting; the body becomes their texts, the models' input. */
    public List<String> prepare(List<BatchJob> jobs, Exchange exchange) {
        List<BatchJob> live = jobs.stream().filter(j -> !j.future().isDone()).toList();
        exchange.setProperty(JOBS, live);
        if (!live.isEmpty()) {
            exchange.setProperty(ENSEMBLE, live.get(0).ensemble());
            batchSizes.record(live.size());
            long now = System.nanoTime();
            live.forEach(job -> queueWait.record(now - job.queuedNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
        }
        return live.stream().map(BatchJob::text).toList();
    }

    public void complete(List<EnsembleResult> results, @ExchangeProperty(JOBS) List<BatchJob> jobs) {
        for (int i = 0; i < jobs.size(); i++) {
            jobs.get(i).future().complete(new BatchOutcome(results.get(i), jobs.size()));
        }
    }

    public void fail(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        InferenceException error = cause instanceof InferenceException e ? e
                : new InferenceException("inference_failed", "the batch failed: " + (cause == null ? "unknown" : cause.getMessage()), cause);
        @SuppressWarnings("unchecked")
        List<BatchJob> jobs = exchange.getProperty(JOBS, List.class);
        if (jobs != null) {
            jobs.forEach(j -> j.future().completeExceptionally(error));
            Counter.builder("modelapi.batch.failed").description("Texts whose batch failed, by error code")
                    .baseUnit("texts").tag("code", error.code()).register(meters).increment(jobs.size());
        }
    }
}
