package dev.modelapi.batching;

import dev.modelapi.model.InferenceException;
import dev.modelapi.pipeline.InferenceTimeoutException;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.springframework.stereotype.Component;

/**
 * The {@code batch-await} step: continues the request when the batches of all its texts have
 * answered, without a thread waiting for them. The batch thread only completes futures; the rest of
 * the request's route (cache store, audit, response) runs on a small reply pool so the batch
 * thread is free at once. A text that failed fails the request with its error.
 */
@Component("batchAwait")
public class BatchAwait extends AsyncProcessorSupport {

    /** Camel thread pool profile ({@code camel.threadpool.config.batch-reply.*}). */
    static final String REPLY_POOL = "batch-reply";

    private final BatchingProperties properties;
    private final CamelContext camel;
    private volatile ExecutorService replies;

    public BatchAwait(BatchingProperties properties, CamelContext camel) {
        this.properties = properties;
        this.camel = camel;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        List<PredictionTask> waiting = new ArrayList<>();
        for (Object item : exchange.getIn().getBody(List.class)) {
            PredictionTask task = (PredictionTask) item;
            if (!task.answered() && task.pending() != null) {
                waiting.add(task);
            }
        }
        if (waiting.isEmpty()) {
            callback.done(true);
            return true;
        }
        CompletableFuture<?>[] pending = waiting.stream().map(PredictionTask::pending).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(pending).whenCompleteAsync((ignored, error) -> {
            if (error != null) {
                exchange.setException(translate(error)); // the request fails with a failed text's error
            } else {
                for (PredictionTask task : waiting) {
                    BatchOutcome outcome = task.pending().join();
                    task.answer(outcome.result(), task.sharesInference(), outcome.batchSize());
                }
            }
            callback.done(false);
        }, replies());
        return false;
    }

    /** Created on first use: Camel registers the configured thread pool profiles after this bean exists. */
    private ExecutorService replies() {
        ExecutorService pool = replies;
        if (pool == null) {
            synchronized (this) {
                if (replies == null) {
                    replies = camel.getExecutorServiceManager().newThreadPool(this, "batch-reply", REPLY_POOL);
                    if (replies == null) {
                        throw new IllegalStateException("no thread pool profile " + REPLY_POOL
                                + " (camel.threadpool.config." + REPLY_POOL + ".*)");
                    }
                }
                pool = replies;
            }
        }
        return pool;
    }

    @Override
    protected void doStop() {
        if (replies != null) {
            camel.getExecutorServiceManager().shutdown(replies);
            replies = null;
        }
    }

    private Exception translate(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TimeoutException) {
            return new InferenceTimeoutException("no answer within " + properties.requestTimeout());
        }
        if (cause instanceof Exception e) {
            return e instanceof InferenceException ? e : new InferenceException("inference_failed", e.getMessage(), e);
        }
        return new InferenceException("inference_failed", String.valueOf(cause), cause);
    }
}
