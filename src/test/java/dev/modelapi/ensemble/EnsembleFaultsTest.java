package dev.modelapi.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.audit.AuditRecord;
import dev.modelapi.testsupport.FaultInjection;
import dev.modelapi.testsupport.RealServices;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * Fault injection around the real demo models: one model of the ensemble throws, hangs past the
 * time limit, or answers NaN / probabilities that do not add up to 1, while the others run for
 * real. Audit in a real PostgreSQL, cache in a real Redis. The breaker, time limit and bulkhead
 * are the ones routes/ensemble.camel.yaml declares, with small numbers so a test sees them act.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.allow-bean-definition-overriding=true",
        "modelapi.batching.max-delay=2ms",
        "modelapi.batching.request-timeout=20s",
        "modelapi.ensemble.model-call.timeout-millis=1000",
        // a hung model holds both forward threads: spares must take their place well within the time limit
        "modelapi.models.stalled-forward=200ms",
        "modelapi.ensemble.model-call.sliding-window-size=4",
        "modelapi.ensemble.model-call.minimum-calls=4",
        "modelapi.ensemble.model-call.failure-rate-threshold=50",
        "modelapi.ensemble.model-call.open-state-wait-seconds=1",
        "modelapi.ensemble.model-call.half-open-calls=2",
        "modelapi.ensemble.named.all-three.models=spam-distilbert,spam-roberta,spam-deberta",
        "modelapi.ensemble.named.all-three.quorum=0"})
@RealServices
@AutoConfigureObservability(tracing = false)
@Import(FaultInjection.Config.class)
class EnsembleFaultsTest {

    static final List<String> THREE = List.of("spam-distilbert", "spam-roberta", "spam-deberta");

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    FaultInjection invoker;

    @Autowired
    ModelCalls modelCalls;

    @Autowired
    AuditQueries audit;

    @Autowired
    MeterRegistry meters;

    @AfterEach
    void healAllModels() {
        invoker.healAll();
        THREE.forEach(name -> breaker(name).ifPresent(CircuitBreaker::reset));
    }

    @Test
    void shouldAnswerFromTheOtherModelsWhileOneThrows() throws Exception {
        String text = "Subject: cheap meds online\n\nBuy now, limited offer " + UUID.randomUUID();
        JsonNode healthyPair = predict(text, Map.of("models", List.of("spam-distilbert", "spam-roberta")));
        invoker.faults.put("spam-deberta", FaultInjection.Fault.THROW);
        String requestId = "throws-" + UUID.randomUUID();

        ResponseEntity<String> response = post(Map.of("text", text, "models", THREE), requestId);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode answer = json.readTree(response.getBody());
        assertThat(answer.get("degraded").asBoolean()).isTrue();
        assertThat(names(answer.get("models"))).containsExactly("spam-distilbert", "spam-roberta");
        assertThat(answer.at("/ensemble/failed/0/name").asText()).isEqualTo("spam-deberta");
        assertThat(answer.at("/ensemble/failed/0/reason").asText()).isEqualTo("error");
        // The vote of the two that answered is exactly the two-model ensemble's answer.
        assertThat(answer.get("label").asText()).isEqualTo(healthyPair.get("label").asText());
        assertThat(answer.get("score").asDouble()).isEqualTo(healthyPair.get("score").asDouble());
        assertThat(answer.at("/ensemble/margin").asDouble()).isEqualTo(healthyPair.at("/ensemble/margin").asDouble());

        await().atMost(Duration.ofSeconds(10)).until(() -> !audit.findByRequestId(requestId).isEmpty());
        AuditRecord row = audit.findByRequestId(requestId).get(0);
        assertThat(row.degraded()).isTrue();
        assertThat(row.failedModels()).isEqualTo("spam-deberta:1=error");
        assertThat(row.models()).isEqualTo("spam-distilbert:1,spam-roberta:1");

        // A degraded answer is not cached: once deberta is back the same text gets all three.
        JsonNode again = predict(text, Map.of("models", THREE));
        assertThat(again.get("cached").asBoolean()).isFalse();
        invoker.faults.clear();
        JsonNode healed = predict(text, Map.of("models", THREE));
        assertThat(healed.get("degraded").asBoolean()).isFalse();
        assertThat(names(healed.get("models"))).containsExactlyElementsOf(THREE);
        assertThat(healed.get("cached").asBoolean()).isFalse();
        assertThat(predict(text, Map.of("models", THREE)).get("cached").asBoolean()).isTrue();
    }

    @Test
    void shouldOpenTheBreakerThenHalfOpenAndCloseItWhenTheModelRecovers() throws Exception {
        invoker.faults.put("spam-deberta", FaultInjection.Fault.THROW);

        // Failing calls fill the breaker's window (4 calls, 50 %): it opens.
        for (int i = 0; i < 4; i++) {
            JsonNode answer = predict(unique("open"), Map.of("models", THREE));
            assertThat(answer.get("degraded").asBoolean()).isTrue();
        }
        assertThat(breaker("spam-deberta")).get().extracting(CircuitBreaker::getState).isEqualTo(CircuitBreaker.State.OPEN);

        // Open: the model is not called at all, and the answers say why it is missing.
        int callsWhenOpened = invoker.calls("spam-deberta");
        JsonNode shortCircuited = predict(unique("open"), Map.of("models", THREE));
        assertThat(shortCircuited.at("/ensemble/failed/0/reason").asText()).isEqualTo("circuit_open");
        assertThat(invoker.calls("spam-deberta")).isEqualTo(callsWhenOpened);
        assertThat(breaker("spam-roberta")).get().extracting(CircuitBreaker::getState).isEqualTo(CircuitBreaker.State.CLOSED);

        // The model recovers; after the open-state wait (1 s) the breaker lets trial calls through.
        invoker.faults.clear();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> breaker("spam-deberta").orElseThrow().getState() == CircuitBreaker.State.HALF_OPEN);
        JsonNode firstTrial = predict(unique("half-open"), Map.of("models", THREE));
        assertThat(firstTrial.get("degraded").asBoolean()).isFalse();
        assertThat(breaker("spam-deberta")).get().extracting(CircuitBreaker::getState).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        JsonNode secondTrial = predict(unique("half-open"), Map.of("models", THREE));
        assertThat(secondTrial.get("degraded").asBoolean()).isFalse();
        assertThat(breaker("spam-deberta")).get().extracting(CircuitBreaker::getState).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(invoker.calls("spam-deberta")).isEqualTo(callsWhenOpened + 2);

        assertThat(meters.get("resilience4j.circuitbreaker.state").tag("state", "closed").gauges())
                .anySatisfy(g -> assertThat(g.getId().getTag("name")).contains("spam-deberta"));
        assertThat(meters.get("modelapi.ensemble.model.failures").tag("model", "spam-deberta").tag("reason", "circuit_open")
                .counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldLeaveOutAHangingModelWithinItsTimeLimitAndBoundTheCallsItHolds() throws Exception {
        invoker.faults.put("spam-roberta", FaultInjection.Fault.HANG);
        double failuresBefore = robertaFailures();
        List<JsonNode> answers = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(6);
        try {
            for (int wave = 0; wave < 10; wave++) {
                List<Callable<JsonNode>> calls = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String text = unique("hang");
                    calls.add(() -> predict(text, Map.of("models", THREE)));
                }
                for (Future<JsonNode> answer : clients.invokeAll(calls)) {
                    answers.add(answer.get());
                }
            }
        } finally {
            clients.shutdown();
        }

        // Every request answered (predict asserts 200), from the two models that did not hang.
        assertThat(answers).allSatisfy(a -> {
            assertThat(a.get("degraded").asBoolean()).isTrue();
            assertThat(names(a.get("models"))).containsExactly("spam-distilbert", "spam-deberta");
            assertThat(a.at("/ensemble/failed/0/name").asText()).isEqualTo("spam-roberta");
        });
        assertThat(answers).extracting(a -> a.at("/ensemble/failed/0/reason").asText()).contains("timeout")
                .allSatisfy(reason -> assertThat(reason).isIn("timeout", "bulkhead_full", "circuit_open"));
        // More batches gave up on the hung model than it was ever given calls (its breaker and
        // bulkhead refuse the rest): the calls it holds, and the threads under them, stay bounded.
        assertThat(robertaFailures() - failuresBefore).isGreaterThan(invoker.hangsStarted.get());
        assertThat(invoker.hangsStarted.get()).isBetween(1, 16);
        // no more of its batches hang at once than it has predictors (workers-per-model, 2); each
        // holds a forward thread, which the watchdog counts as stalled and replaces with a spare
        assertThat(invoker.mostHanging.get()).isBetween(1, 2);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                meters.get("modelapi.model.forwards.stalled").gauge().value()).isEqualTo(invoker.hanging.get()));
        assertThat(meters.get("modelapi.model.forwards.threads").gauge().value())
                .isLessThanOrEqualTo(2.0 * Runtime.getRuntime().availableProcessors());
    }

    private double robertaFailures() {
        return meters.find("modelapi.ensemble.model.failures").tag("model", "spam-roberta").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    @Test
    void shouldTreatNanAndProbabilitiesThatDoNotAddUpAsFailures() throws Exception {
        invoker.faults.put("spam-distilbert", FaultInjection.Fault.NAN);
        JsonNode nan = predict(unique("nan"), Map.of("models", THREE));
        assertThat(nan.get("degraded").asBoolean()).isTrue();
        assertThat(nan.at("/ensemble/failed/0/name").asText()).isEqualTo("spam-distilbert");
        assertThat(nan.at("/ensemble/failed/0/reason").asText()).isEqualTo("invalid_output");
        assertThat(names(nan.get("models"))).containsExactly("spam-roberta", "spam-deberta");
        assertThat(nan.get("score").asDouble()).isBetween(0.0, 1.0);

        invoker.faults.put("spam-distilbert", FaultInjection.Fault.BAD_SUM);
        JsonNode badSum = predict(unique("sum"), Map.of("models", THREE));
        assertThat(badSum.at("/ensemble/failed/0/reason").asText()).isEqualTo("invalid_output");
    }

    @Test
    void shouldRefuseWith503WhenFewerModelsAnswerThanTheQuorum() throws Exception {
        invoker.faults.put("spam-deberta", FaultInjection.Fault.THROW);
        String requestId = "quorum-" + UUID.randomUUID();

        // all-three has quorum 0 = all of its models.
        ResponseEntity<String> named = post(Map.of("text", unique("quorum"), "ensemble", "all-three"), requestId);

        assertThat(named.getStatusCode().value()).isEqualTo(503);
        assertThat(named.getHeaders().getFirst("Retry-After")).isEqualTo("1");
        JsonNode error = json.readTree(named.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("quorum_not_met");
        assertThat(error.get("requestId").asText()).isEqualTo(requestId);
        assertThat(error.get("message").asText()).contains("2 of 3", "spam-deberta:1 (error)");

        // Two of three failing with a quorum of 2 in the request: 503; the same with one failing: 200.
        invoker.faults.put("spam-roberta", FaultInjection.Fault.NAN);
        ResponseEntity<String> two = post(Map.of("text", unique("quorum"), "models", THREE,
                "ensemble", Map.of("quorum", 2)), null);
        assertThat(two.getStatusCode().value()).isEqualTo(503);
        invoker.faults.remove("spam-roberta");
        ResponseEntity<String> held = post(Map.of("text", unique("quorum"), "models", THREE,
                "ensemble", Map.of("quorum", 2)), null);
        assertThat(held.getStatusCode().value()).as(held.getBody()).isEqualTo(200);

        // The names docs/ensembles.md gives, as Prometheus shows them.
        String scrape = http.getForObject("/actuator/prometheus", String.class);
        assertThat(scrape).contains("modelapi_batch_failed_texts_total{code=\"quorum_not_met\"",
                "modelapi_ensemble_degraded_texts_total{ensemble=\"unnamed\"",
                "modelapi_ensemble_model_failures_total{model=\"spam-deberta\",reason=\"error\",version=\"1\"",
                "resilience4j_circuitbreaker_state{name=\"model-call-spam-deberta-1.model-breaker\",state=\"closed\"",
                "resilience4j_circuitbreaker_calls_seconds_count{kind=\"successful\",name=\"model-call-spam-roberta-1.model-breaker\"");
    }

    @Test
    void shouldFailNoRequestWhileTheQuorumHolds() throws Exception {
        invoker.faults.put("spam-deberta", FaultInjection.Fault.THROW);
        List<Callable<ResponseEntity<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String text = unique("load");
            calls.add(() -> post(Map.of("text", text, "ensemble", Map.of("name", "spam-default")), null));
        }
        List<ResponseEntity<String>> responses = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            for (Future<ResponseEntity<String>> response : clients.invokeAll(calls)) {
                responses.add(response.get());
            }
        } finally {
            clients.shutdown();
        }

        assertThat(responses).allSatisfy(r -> {
            assertThat(r.getStatusCode().value()).as(r.getBody()).isEqualTo(200);
            JsonNode answer = json.readTree(r.getBody());
            assertThat(answer.get("degraded").asBoolean()).isTrue();
            assertThat(answer.at("/ensemble/name").asText()).isEqualTo("spam-default");
            assertThat(answer.at("/ensemble/method").asText()).isEqualTo("weighted");
        });
        // it opened; past the 1 s open-state wait of this test it may already let trial calls through
        assertThat(breaker("spam-deberta")).get().extracting(CircuitBreaker::getState)
                .isIn(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);
        assertThat(meters.get("modelapi.ensemble.degraded").tag("ensemble", "spam-default").counter().count())
                .isGreaterThanOrEqualTo(40);
    }

    private java.util.Optional<CircuitBreaker> breaker(String model) {
        return modelCalls.breakerOf(new ModelRef(model, "1"));
    }

    private static List<String> names(JsonNode models) {
        List<String> names = new ArrayList<>();
        models.forEach(m -> names.add(m.get("name").asText()));
        return names;
    }

    private static String unique(String what) {
        return "Subject: " + what + " test\n\nHello, the meeting moved to Thursday. " + UUID.randomUUID();
    }

    private JsonNode predict(String text, Map<String, Object> extra) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>(extra);
        body.put("text", text);
        ResponseEntity<String> response = post(body, null);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }

    private ResponseEntity<String> post(Object body, String requestId) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (requestId != null) {
            headers.set("X-Request-ID", requestId);
        }
        return http.postForEntity("/api/v1/predict", new HttpEntity<>(json.writeValueAsString(body), headers), String.class);
    }
}
