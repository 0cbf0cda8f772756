package dev.modelapi.batching;

import dev.modelapi.errors.InferenceException;
import dev.modelapi.errors.InferenceTimeoutException;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pipeline.PredictionTask.BatchOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.springframework.stereotype.Component;

/**
 * The {@code batch-await} step: continues the request when the batches of all its texts have
 * answered, without a thread waiting for them. The rest of the request's route (cache store, audit,
 * response) runs on the thread that completed the request's last text, the end of its batch's
 * route: a hand-off to another pool would cost two thread switches per request and save that
 * thread only the few hundred microseconds the answer takes. A text that failed fails the request
 * with its error.
 */
@Component("batchAwait")
public class BatchAwait extends AsyncProcessorSupport {

    private final BatchingProperties properties;

    public BatchAwait(BatchingProperties properties) {
        this.properties = properties;
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
        CompletableFuture.allOf(pending).whenComplete((ignored, error) -> {
            if (error != null) {
                exchange.setException(translate(error)); // the request fails with a failed text's error
            } else {
                for (PredictionTask task : waiting) {
                    BatchOutcome outcome = task.pending().join();
                    task.answer(outcome.result(), task.sharesInference(), outcome.batchSize());
                }
            }
            callback.done(false);
        });
        return false;
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
