package dev.modelapi.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.FaultInjection;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
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
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * A bulkhead that refuses calls is the service shedding load, not the model failing: with room
 * for one call per model and a slow model under concurrent requests, calls are refused
 * (bulkhead_full) while the breakers, set to open at the first failures, stay closed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.allow-bean-definition-overriding=true",
        "modelapi.cache.enabled=false",
        "modelapi.batching.max-batch-size=1", // every text its own batch: they overlap at the slow model
        "modelapi.ensemble.model-call.max-concurrent-calls=1",
        "modelapi.ensemble.model-call.sliding-window-size=4",
        "modelapi.ensemble.model-call.minimum-calls=4",
        "modelapi.ensemble.model-call.failure-rate-threshold=25"})
@Import(FaultInjection.Config.class)
class BulkheadTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    FaultInjection models;

    @Autowired
    ModelCalls calls;

    @Autowired
    MeterRegistry meters;

    @AfterEach
    void heal() {
        models.healAll();
    }

    @Test
    void shouldShedLoadWithoutOpeningTheBreaker() throws Exception {
        models.faults.put("spam-roberta", FaultInjection.Fault.SLOW);
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        List<Callable<Integer>> requests = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String body = json.writeValueAsString(Map.of("text", "Subject: shed " + i + " " + UUID.randomUUID()));
            requests.add(() -> http.postForEntity("/api/v1/predict", new HttpEntity<>(body, headers), String.class)
                    .getStatusCode().value());
        }
        List<Integer> statuses = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(12);
        try {
            for (Future<Integer> status : clients.invokeAll(requests)) {
                statuses.add(status.get());
            }
        } finally {
            clients.shutdown();
        }

        // with room for one batch per model, a batch every model refuses gets 503 quorum_not_met;
        // the others are answered, degraded where a model was busy
        assertThat(statuses).allSatisfy(status -> assertThat(status).isIn(200, 503)).contains(200);

        double shed = meters.find("modelapi.ensemble.model.failures").tag("model", "spam-roberta")
                .tag("reason", "bulkhead_full").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(shed).as("calls refused by the bulkhead of one").isPositive();
        for (String model : List.of("spam-distilbert", "spam-roberta", "spam-deberta")) {
            assertThat(calls.breakerOf(new ModelRef(model, "1"))).get().extracting(CircuitBreaker::getState)
                    .as(model + "'s breaker").isEqualTo(CircuitBreaker.State.CLOSED);
        }
    }
}
