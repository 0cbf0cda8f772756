package dev.modelapi.cache;

import static dev.modelapi.cache.Predictions.defaults;
import static dev.modelapi.cache.Predictions.inferAndStore;
import static dev.modelapi.cache.Predictions.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.securityevents.SecurityEvent;
import dev.modelapi.testsupport.RouteFiles;
import dev.modelapi.testsupport.StubPipeline;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.component.direct.DirectComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;

/**
 * routes/cache.camel.yaml on its own, in a second: the HTTP routes as direct: endpoints, the real
 * httpExchanges and cacheOperations over a Caffeine cache holding one answer by spam-distilbert:1
 * and one by spam-roberta:1; the repository knows those two models only.
 */
class CacheRoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    RouteFiles routes;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final StubPipeline pipeline = new StubPipeline();
    CacheWarming warming;

    @BeforeEach
    void load() throws Exception {
        SimpleMeterRegistry meters = this.meters;
        Cache predictions = CacheConfiguration.caffeineCacheManager(defaults(),
                new IdempotencyProperties(Duration.ofHours(24), 1_000)).getCache(CacheConfiguration.PREDICTIONS);
        PredictionCache cache = new PredictionCache(predictions, defaults(), meters);
        for (var ensemble : List.of(Predictions.SPAM_V1, Predictions.ROBERTA_V1)) {
            PredictionTask answered = task("Win a free cruise", ensemble);
            cache.lookup(answered);
            inferAndStore(cache, answered, ensemble == Predictions.SPAM_V1 ? Predictions.spam(0.9) : Predictions.roberta(0.9));
        }
        Failures failures = new Failures();
        warming = new CacheWarming(new CacheWarmingProperties(true, 100, Duration.ofHours(1), 100, 1000), () -> null,
                this.meters);
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "httpExchanges", new HttpExchanges(JSON, new Answers(JSON), failures),
                        "cacheOperations", new CacheOperations(cache, CacheOperations.caffeine(predictions), defaults(),
                                meters, List.of("spam-distilbert", "spam-roberta")::contains),
                        "cacheWarming", warming),
                Map.of("modelapi.cache.warming.texts-per-second", "1000"), "cache.camel.yaml")
                .with(pipeline);
        routes.camel().addComponent("platform-http", new DirectComponent());
        routes.start();
    }

    @AfterEach
    void close() {
        routes.close();
    }

    @Test
    void shouldAnswerStatisticsOnGet() throws Exception {
        Exchange done = call("http-cache", "GET", Map.of());

        assertThat(RouteFiles.steps(done)).containsSubsequence("http-cache-accept", "http-cache-method", "cache-statistics",
                "http-cache-respond");
        JsonNode statistics = JSON.readTree(done.getMessage().getBody(String.class));
        assertThat(statistics.get("entries").asLong()).isEqualTo(2);
        assertThat(statistics.get("models")).hasSize(2);
    }

    @Test
    void shouldFlushOneVersionThenAModelThenEverything() throws Exception {
        Exchange version = call("http-cache-model-version", "DELETE", Map.of("name", "spam-roberta", "version", "1"));
        assertThat(RouteFiles.steps(version)).contains("cache-flush-model-version");
        assertThat(JSON.readTree(version.getMessage().getBody(String.class)).get("removed").asLong()).isEqualTo(1);

        Exchange model = call("http-cache-model", "DELETE", Map.of("name", "spam-distilbert"));
        assertThat(JSON.readTree(model.getMessage().getBody(String.class)).get("scope").asText())
                .isEqualTo("model:spam-distilbert");

        Exchange all = call("http-cache", "DELETE", Map.of());
        assertThat(RouteFiles.steps(all)).contains("http-cache-accept", "cache-flush-all").doesNotContain("cache-statistics");
        assertThat(JSON.readTree(all.getMessage().getBody(String.class)).get("removed").asLong()).isZero();
        // each flush is a security event (route configuration admin-commands)
        assertThat(routes.securityEvents.events).extracting(SecurityEvent::kind, SecurityEvent::reason,
                SecurityEvent::outcome, SecurityEvent::status).containsOnly(tuple("command", "cache_flush", "done", 200))
                .hasSize(3);
    }

    @Test
    void shouldRefuseAnUnknownModelAndOtherMethods() throws Exception {
        RouteFiles.assertHttpError(call("http-cache-model", "DELETE", Map.of("name", "spam-bert")), 404, "model_not_found");
        RouteFiles.assertHttpError(call("http-cache-model", "GET", Map.of("name", "spam-roberta")), 405, "method_not_allowed");
        Exchange post = call("http-cache", "POST", Map.of());
        RouteFiles.assertHttpError(post, 405, "method_not_allowed");
        assertThat(post.getMessage().getHeader("Allow")).isEqualTo("GET, DELETE");
        RouteFiles.assertHttpError(call("http-cache-model-version", "DELETE",
                Map.of("name", "spam-roberta", "version", "\u0084")), 400, "invalid_version");
        // the refused flushes are security events with the status answered; the GET is a read, not one
        assertThat(routes.securityEvents.events).extracting(SecurityEvent::reason, SecurityEvent::outcome,
                SecurityEvent::status).containsExactly(tuple("cache_flush", "failed", 404),
                tuple("cache_flush", "failed", 405), tuple("cache_flush", "failed", 400));
    }

    @Test
    void shouldRunEveryWarmingTextThroughThePipelineOneByOneAndGoOnPastAFailure() {
        List<PredictionTask> texts = List.of(warmingTask("first"), warmingTask("fail here"), warmingTask("last"));

        routes.camel().createProducerTemplate().sendBody("seda:cache-warm?size=1", texts);

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                meters.get("modelapi.cache.warming.texts").tag("outcome", "answered").counter().count() == 2);
        assertThat(meters.get("modelapi.cache.warming.texts").tag("outcome", "failed").counter().count()).isEqualTo(1);
        assertThat(pipeline.calls).hasValue(3);
        assertThat(texts.get(0).answered()).isTrue();
        assertThat(texts.get(2).answered()).isTrue();
    }

    static PredictionTask warmingTask(String text) {
        return new PredictionTask("cache-warming-1", 0, "cache-warming", PredictionTask.CACHE_WARMING_PRINCIPAL, text,
                Predictions.SPAM_V1, System.nanoTime());
    }

    private Exchange call(String routeId, String method, Map<String, Object> pathParameters) {
        return routes.camel().createProducerTemplate().send(routes.camel().getRoute(routeId).getEndpoint(), e -> {
            Map<String, Object> headers = new HashMap<>(pathParameters);
            headers.put(Exchange.HTTP_METHOD, method);
            e.getIn().setHeaders(headers);
        });
    }
}
