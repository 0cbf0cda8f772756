package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.cache.CacheNames;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.ingest.IdempotentAnswers;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.security.ModelAccess;
import dev.modelapi.testsupport.RouteFiles;
import dev.modelapi.testsupport.StubPipeline;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.component.direct.DirectComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;

/**
 * routes/ingress-http.camel.yaml on its own, in a second: the HTTP routes as direct: endpoints (the
 * test sends what platform-http would), the real httpExchanges, idempotentAnswers (over an
 * in-memory cache) and modelAccess, requests read by a stand-in (one text per "text", the model
 * spam-roberta), the pipeline stubbed: it answers spam, or for a text holding "fail" fails with
 * quorum_not_met. Each request is followed by its step ids and its answer.
 */
class IngressHttpRoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final EnsembleSpec SPEC = new EnsembleSpec(List.of(new ModelRef("spam-roberta", "1")), EnsembleMethod.SOFT,
            Map.of());
    static final StubPipeline pipeline = new StubPipeline();
    static final AtomicInteger pipelineCalls = pipeline.calls;
    static RouteFiles routes;

    @BeforeAll
    static void load() throws Exception {
        Answers answers = new Answers(JSON);
        Failures failures = new Failures();
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "httpExchanges", new HttpExchanges(JSON, answers, failures),
                        "idempotentAnswers", new IdempotentAnswers(new ConcurrentMapCacheManager(CacheNames.IDEMPOTENT_ANSWERS),
                                JSON, new SimpleMeterRegistry()),
                        "predictRequests", new RequestsStandIn(),
                        "modelAccess", new ModelAccess(new dev.modelapi.testsupport.RecordedSecurityEvents().recorder)),
                Map.of(), "ingress-http.camel.yaml")
                .with(pipeline);
        routes.camel().addComponent("platform-http", new DirectComponent());
        routes.start();
    }

    @AfterAll
    static void close() {
        routes.close();
    }

    @BeforeEach
    void count() {
        pipelineCalls.set(0);
    }

    /** Reads {"text": ...} as one task and {"texts": [...]} as one per text, all for spam-roberta:1. */
    public static final class RequestsStandIn {
        public List<PredictionTask> single(String body, String requestId, String channel, String principal,
                String routeEnsemble)
                throws Exception {
            return List.of(new PredictionTask(requestId, 0, channel, principal, JSON.readTree(body).get("text").asText(),
                    SPEC, System.nanoTime()));
        }

        public List<PredictionTask> batch(String body, String requestId, String channel, String principal,
                String routeEnsemble)
                throws Exception {
            List<PredictionTask> tasks = new ArrayList<>();
            for (JsonNode text : JSON.readTree(body).get("texts")) {
                tasks.add(new PredictionTask(requestId, tasks.size(), channel, principal, text.asText(), SPEC,
                        System.nanoTime()));
            }
            return tasks;
        }
    }

    @Test
    void shouldAnswerOneTextThroughEveryStep() throws Exception {
        Exchange done = post("http-predict", "{\"text\": \"win money\"}", Map.of());

        assertThat(RouteFiles.steps(done)).containsSubsequence("http-accept", "http-idempotent-lookup", "http-replay-or-predict",
                "read-request", "http-model-access", "http-idempotency-key", "pipeline", "http-respond",
                "http-keep-answer");
        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(JSON.readTree(done.getMessage().getBody(String.class)).get("label").asText()).isEqualTo("spam");
        assertThat(pipelineCalls).hasValue(1);
        // the pipeline runs InOnly (no copy of the message at the end of each step list); the
        // HTTP exchange is request-reply again when it returns
        assertThat(pipeline.pattern).hasValue(ExchangePattern.InOnly);
        assertThat(done.getPattern()).isEqualTo(ExchangePattern.InOut);
    }

    @Test
    void shouldGiveThePipelineNoneOfTheRequestsHeadersButKeepWhatTheStepsAfterItNeed() throws Exception {
        String key = "headers-" + UUID.randomUUID();
        Map<String, Object> headers = Map.of("Idempotency-Key", key, "X-ModelApi-Principal", "mailer",
                Exchange.HTTP_PATH, "/api/v1/predict", "X-Custom", "something");
        Exchange done = post("http-predict", "{\"text\": \"win money\"}", headers);

        // every exchange copy in the pipeline (splits, wire taps, seda) would copy them all
        assertThat(pipeline.headers.get()).isEmpty();
        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(done.getMessage().getHeader(HttpExchanges.REQUEST_ID)).isNotNull();
        assertThat(done.getMessage().getHeaders()).doesNotContainKeys("X-Custom", "Idempotency-Key");
        // the answer was kept for this caller's retries: its slot was made before the headers went
        Exchange retry = post("http-predict", "{\"text\": \"win money\"}", headers);
        assertThat(retry.getMessage().getHeader(IdempotentAnswers.REPLAYED)).isEqualTo("true");
        assertThat(pipelineCalls).hasValue(1);

        pipeline.headers.set(null);
        Exchange batch = post("http-predict-batch", "{\"texts\": [\"a\", \"b\"]}", Map.of("X-Custom", "something"));
        assertThat(batch.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(pipeline.headers.get()).isEmpty();
    }

    @Test
    void shouldReplayTheFirstAnswerToARetryWithTheSameIdempotencyKey() throws Exception {
        String key = "retry-" + UUID.randomUUID();
        Exchange first = post("http-predict", "{\"text\": \"win money\"}", Map.of("Idempotency-Key", key));
        Exchange retry = post("http-predict", "{\"text\": \"win money\"}", Map.of("Idempotency-Key", key));

        assertThat(RouteFiles.steps(retry)).contains("http-replay-or-predict", "http-replay").doesNotContain("read-request", "pipeline");
        assertThat(pipelineCalls).hasValue(1);
        assertThat(retry.getMessage().getHeader(IdempotentAnswers.REPLAYED)).isEqualTo("true");
        assertThat(retry.getMessage().getBody(String.class)).isEqualTo(first.getMessage().getBody(String.class));
    }

    @Test
    void shouldRefuseAModelTheKeyMayNotUseBeforeThePipeline() throws Exception {
        Exchange done = post("http-predict", "{\"text\": \"win money\"}", Map.of("X-ModelApi-Models", "spam-distilbert"));

        assertThat(RouteFiles.steps(done)).contains("http-model-access", "http-invalid-request").doesNotContain("pipeline");
        RouteFiles.assertHttpError(done, 403, "model_not_allowed");
        assertThat(pipelineCalls).hasValue(0);
    }

    @Test
    void shouldAnswerAFailedEnsembleFromTheQuorumClause() throws Exception {
        Exchange done = post("http-predict", "{\"text\": \"fail\"}", Map.of());

        assertThat(RouteFiles.steps(done)).contains("pipeline", "http-quorum").doesNotContain("http-respond", "http-keep-answer");
        RouteFiles.assertHttpError(done, 503, "quorum_not_met");
        assertThat(done.getMessage().getHeader("Retry-After", String.class)).isEqualTo("7");
    }

    @Test
    void shouldAnswerABatchInTheRequestsOrder() throws Exception {
        Exchange done = post("http-predict-batch", "{\"texts\": [\"a\", \"b\", \"c\"]}", Map.of());

        assertThat(RouteFiles.steps(done)).containsSubsequence("http-batch-accept", "read-batch-request", "batch-pipeline",
                "http-batch-respond");
        JsonNode results = JSON.readTree(done.getMessage().getBody(String.class)).get("results");
        assertThat(results).hasSize(3);
        assertThat(pipelineCalls).hasValue(1);
    }

    private static Exchange post(String routeId, String body, Map<String, Object> extraHeaders) {
        Endpoint endpoint = routes.camel().getRoute(routeId).getEndpoint();
        return routes.camel().createProducerTemplate().send(endpoint, e -> {
            e.setPattern(ExchangePattern.InOut); // as platform-http makes its exchanges
            Map<String, Object> headers = new HashMap<>(extraHeaders);
            headers.put(Exchange.HTTP_METHOD, "POST");
            headers.put(Exchange.CONTENT_TYPE, "application/json");
            e.getIn().setHeaders(headers);
            e.getIn().setBody(body);
        });
    }
}
