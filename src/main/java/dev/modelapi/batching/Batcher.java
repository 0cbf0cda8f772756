package dev.modelapi.batching;

import dev.modelapi.errors.InferenceException;
import dev.modelapi.errors.CapacityExceededException;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.modelapi.observability.TraceContexts;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Endpoint;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.seda.SedaEndpoint;
import org.springframework.stereotype.Component;

/**
 * The {@code batch-submit} step: puts a text on the batcher's bounded queue without blocking. A
 * full queue refuses the text at once ({@link CapacityExceededException}, a 503 with Retry-After)
 * so that overload shows as refusals, not as a growing wait. The aggregating side is YAML
 * ({@code routes/batching.camel.yaml}).
 */
@Component("batcher")
public class Batcher {

    /** The queue both sides name; the consuming route gives it its capacity. */
    public static final String QUEUE = "seda:batch-queue";

    private final BatchingProperties properties;
    private final CamelContext camel;
    private final ProducerTemplate producer;
    private final BatchShape shape;

    public Batcher(BatchingProperties properties, CamelContext camel) {
        this.properties = properties;
        this.shape = BatchShape.of(properties);
        this.camel = camel;
        this.producer = camel.createProducerTemplate();
    }

    /** Queues the task's own inference; a task sharing an identical text's inference has nothing to queue. */
    public void submit(PredictionTask task, Exchange exchange) {
        if (task.answered() || task.sharesInference()) {
            return;
        }
        CompletableFuture<BatchOutcome> future = task.pending();
        if (future == null) {
            future = new CompletableFuture<>();
            task.pending(future);
        }
        future.orTimeout(properties.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        int bucket = shape.bucket(task.text().length());
        BatchJob job = new BatchJob(task.text(), task.ensemble(), future, System.nanoTime(),
                TraceContexts.spanContextOf(exchange), bucket, shape.limit(bucket));
        Exception failure = TraceContexts.inSpanOf(exchange,
                () -> producer.send(QUEUE, ExchangePattern.InOnly, e -> e.getIn().setBody(job)).getException());
        if (failure != null) {
            InferenceException refused = failure instanceof IllegalStateException
                    ? new CapacityExceededException("the batch queue is full (" + properties.queueCapacity()
                            + " texts); try again shortly", properties.retryAfter())
                    : new InferenceException("inference_failed", "the batcher refused the text: " + failure.getMessage(), failure);
            future.completeExceptionally(refused);
            throw refused;
        }
    }

    /** Texts waiting for a batch now: the gauge of the queue whose bound is {@code queue-capacity}. */
    public int queued() {
        Endpoint endpoint = camel.hasEndpoint(QUEUE);
        return endpoint instanceof SedaEndpoint seda ? seda.getCurrentQueueSize() : 0;
    }
}
