package dev.modelapi.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.errors.QuorumNotMetException;
import dev.modelapi.ingest.Answers;
import dev.modelapi.pipeline.PredictionTask;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.ExchangePattern;
import org.apache.camel.builder.RouteBuilder;

/**
 * What a channel's route file calls, without the models, for the route tests of one file: the
 * pipeline ({@code direct:predict}) answering every text spam from spam-roberta:1 (a text holding
 * "fail" fails it with quorum_not_met, Retry-After 7 s), and a reader
 * of request bodies ({@code predictRequests}) that makes one task of {@code {"text": ...}}.
 */
public final class StubPipeline extends RouteBuilder {

    static final ObjectMapper JSON = new ObjectMapper();
    public static final EnsembleSpec SPEC = new EnsembleSpec(List.of(new ModelRef("spam-roberta", "1")),
            EnsembleMethod.SOFT, Map.of());

    /** How many times the pipeline ran. */
    public final AtomicInteger calls = new AtomicInteger();
    /** The exchange pattern the pipeline last ran with (its callers send InOnly). */
    public final AtomicReference<ExchangePattern> pattern = new AtomicReference<>();
    /** The names of the message headers the pipeline last ran with. */
    public final AtomicReference<java.util.Set<String>> headers = new AtomicReference<>();
    /** The pipeline fails this many of its next runs with quorum_not_met (Retry-After 1 s). */
    public final AtomicInteger failFirst = new AtomicInteger();

    public static EnsembleResult spam() {
        return new EnsembleResult("spam", 0.9, EnsembleMethod.SOFT, 1, 0.8,
                List.of(new ModelVote("spam-roberta", "1", "spam", Map.of("spam", 0.9, "ham", 0.1))), List.of(), null);
    }

    @Override
    public void configure() {
        from("direct:predict").routeId("stub-pipeline").routeConfigurationId("pass-errors-back").process(e -> {
            calls.incrementAndGet();
            pattern.set(e.getPattern());
            headers.set(java.util.Set.copyOf(e.getIn().getHeaders().keySet()));
            if (failFirst.getAndDecrement() > 0) {
                throw new QuorumNotMetException("0 of 1 models answered", Duration.ofSeconds(1));
            }
            for (Object item : e.getIn().getBody(List.class)) {
                PredictionTask task = (PredictionTask) item;
                if (task.text().contains("fail")) {
                    throw new QuorumNotMetException("0 of 1 models answered", Duration.ofSeconds(7));
                }
                task.answer(spam(), false, 1);
            }
        });
    }

    /** PredictRequests' {@code any}, without the models: one task, or a 400 for a body that is not JSON or has no "text". */
    public static final class Requests {
        public List<PredictionTask> any(String body, String requestId, String channel, String principal, String models)
                throws Exception {
            JsonNode request;
            try {
                request = JSON.readTree(body);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw InvalidRequestException.badRequest("malformed_json", Answers.notJson(e));
            }
            if (request == null || !request.has("text")) {
                throw InvalidRequestException.badRequest("missing_text", "the body has no \"text\"");
            }
            return List.of(new PredictionTask(requestId, 0, channel, principal, request.get("text").asText(), SPEC,
                    System.nanoTime()));
        }
    }
}
