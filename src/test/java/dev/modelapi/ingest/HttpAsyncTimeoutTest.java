package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.ModelsApi;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;

/**
 * A request the route has not answered within spring.mvc.async.request-timeout is answered by the
 * container's timeout: 503 with Retry-After and the service's JSON error with the request id, not
 * the container's error page; the route's late answer is dropped, and the request is counted.
 * Here a lone request waits for its batch (max-delay) longer than the container holds it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.mvc.async.request-timeout=300ms", "modelapi.batching.max-delay=1500ms",
        "modelapi.batching.max-batch-size=16", "modelapi.cache.enabled=false"})
class HttpAsyncTimeoutTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    MeterRegistry meters;

    private double inFlight() {
        return meters.get("modelapi.http.inflight").gauge().value();
    }

    @Test
    void shouldAnswer503InTheServicesShapeWhenTheContainerTimesARequestOut() throws Exception {
        double abandonedBefore = meters.counter("modelapi.http.abandoned").count();

        ResponseEntity<String> response = ModelsApi.post(http, json, "/api/v1/predict",
                Map.of("text", "a short subject line"));

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(503);
        assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("1");
        String requestId = response.getHeaders().getFirst(HttpExchanges.REQUEST_ID);
        assertThat(requestId).isNotBlank();
        JsonNode body = json.readTree(response.getBody());
        assertThat(body.path("error").path("code").asText()).isEqualTo("timeout");
        assertThat(body.path("error").path("requestId").asText()).isEqualTo(requestId);
        assertThat(meters.counter("modelapi.http.abandoned").count()).isEqualTo(abandonedBefore + 1);

        // the batch runs late; its answer is dropped and the request's exchange and permit end with it
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inFlight() == 0);
        ResponseEntity<String> next = ModelsApi.post(http, json, "/api/v1/predict/batch",
                Map.of("texts", java.util.stream.IntStream.range(0, 16).mapToObj(i -> "text " + i + " of a full batch").toList()));
        assertThat(next.getStatusCode().value()).as(next.getBody()).isEqualTo(200);
    }
}
