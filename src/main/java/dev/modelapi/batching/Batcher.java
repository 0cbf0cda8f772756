package dev.modelapi.batching;

import dev.modelapi.errors.CapacityExceededException;
import dev.modelapi.observability.TraceContexts;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import java.util.concurrent.CompletableFuture;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.SedaComponent;
import org.springframework.stereotype.Component;

/**
 * The batcher's side of the hand-off in routes/pipeline.camel.yaml ({@code predict-text}): the
 * {@code batch-job} step makes a text's batch job (the pending answer the batch completes, with the
 * request timeout on it), the route puts it on the bounded {@code seda:batch-queue} without
 * blocking ({@code batch-submit}), and a full queue refuses the text at once
 * ({@link #queueFull}: {@link CapacityExceededException}, a 503 with Retry-After) so that overload
 * shows as refusals, not as a growing wait. The aggregating side is routes/batching.camel.yaml.
 */
@Component("batcher")
public class Batcher {

    /** The seda queue's name in both route files (the consuming route gives it its capacity). */
    static final String QUEUE_NAME = "batch-queue";

    private final BatchingProperties properties;
    private final CamelContext camel;
    private final BatchShape shape;
    private final PendingAnswers pending;

    public Batcher(BatchingProperties properties, CamelContext camel, PendingAnswers pending) {
        this.properties = properties;
        this.shape = BatchShape.of(properties);
        this.camel = camel;
        this.pending = pending;
    }

    /**
     * The {@code batch-job} step: the text's job for the batch queue. Its future is the task's
     * pending answer ({@link PendingAnswers}), which {@code batch-await} waits for; it fails by
     * itself once {@code request-timeout} passes.
     */
    public BatchJob job(@Body PredictionTask task, Exchange exchange) {
        CompletableFuture<BatchOutcome> future = pending.expireAfterRequestTimeout(task);
        int bucket = shape.bucket(task.text().length());
        return new BatchJob(task.text(), task.ensemble(), future, System.nanoTime(),
                TraceContexts.spanContextOf(exchange), bucket, shape.limit(bucket));
    }

    /** The {@code batch-queue-full} step: the queue refused the job; so does the request, at once. */
    public void queueFull(@Body BatchJob job) {
        CapacityExceededException refused = new CapacityExceededException("the batch queue is full ("
                + properties.queueCapacity() + " texts); try again shortly", properties.retryAfter());
        job.future().completeExceptionally(refused);
        throw refused;
    }

    /** Texts waiting for a batch now: the gauge of the queue whose bound is {@code queue-capacity}. */
    public int queued() {
        // queues are kept by their endpoint's URI without options (seda://batch-queue)
        for (var queue : camel.getComponent("seda", SedaComponent.class).getQueues().entrySet()) {
            if (queue.getKey().endsWith("//" + QUEUE_NAME) || queue.getKey().equals(QUEUE_NAME)) {
                return queue.getValue().getQueue().size();
            }
        }
        return 0;
    }
}
