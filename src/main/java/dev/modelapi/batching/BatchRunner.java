package dev.modelapi.batching;

import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.errors.InferenceException;
import dev.modelapi.observability.TraceContexts;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.springframework.beans.factory.annotation.Autowired;
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

    /** When the batch's inference began (epoch nanoseconds), for the spans that point at it. */
    static final String STARTED = "batchStartedEpochNanos";

    private final DistributionSummary batchSizes;
    private final Timer queueWait;
    private final MeterRegistry meters;
    private final Tracer tracer;

    public BatchRunner(MeterRegistry meters) {
        this(meters, OpenTelemetry.noop().getTracer("model-api-service"));
    }

    @Autowired
    public BatchRunner(MeterRegistry meters, Tracer tracer) {
        this.meters = meters;
        this.tracer = tracer;
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
            Instant started = Instant.now();
            exchange.setProperty(STARTED, started.getEpochSecond() * 1_000_000_000L + started.getNano());
        }
        return live.stream().map(BatchJob::text).toList();
    }

    public void complete(List<EnsembleResult> results, @ExchangeProperty(JOBS) List<BatchJob> jobs, Exchange exchange) {
        pointTracesAtTheBatch(jobs, exchange);
        for (int i = 0; i < jobs.size(); i++) {
            jobs.get(i).future().complete(new BatchOutcome(results.get(i), jobs.size()));
        }
    }

    /**
     * A batch serves many requests but its spans can join only one trace (its first request's).
     * Every request's trace gets an {@code inference-batch} span over the batch's run, linked to
     * the span the batch ran under, so each trace leads to where its answer was computed.
     */
    private void pointTracesAtTheBatch(List<BatchJob> jobs, Exchange exchange) {
        SpanContext batch = TraceContexts.spanContextOf(exchange);
        Long started = exchange.getProperty(STARTED, Long.class);
        for (BatchJob job : jobs) {
            if (!job.trace().isValid()) {
                continue;
            }
            SpanBuilder span = tracer.spanBuilder("inference-batch")
                    .setParent(Context.root().with(Span.wrap(job.trace())))
                    .setAttribute("modelapi.batch.size", jobs.size())
                    .setAttribute("modelapi.ensemble", job.ensemble().key());
            if (started != null) {
                span.setStartTimestamp(started, TimeUnit.NANOSECONDS);
            }
            if (batch.isValid()) {
                span.addLink(batch);
            }
            span.startSpan().end();
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
