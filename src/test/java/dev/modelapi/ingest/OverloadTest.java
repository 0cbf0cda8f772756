package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.Bursts;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;

/**
 * A tiny batch queue and one worker per model: a burst of callers overflows the queue, and the
 * overflow is refused at once with 503 and Retry-After while every accepted request is answered.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.batching.queue-capacity=2", "modelapi.batching.max-batch-size=1",
        "modelapi.models.workers-per-model=1",
        "camel.threadpool.config.ensemble-pool.pool-size=1", "camel.threadpool.config.ensemble-pool.max-pool-size=1",
        "camel.threadpool.config.ensemble-pool.max-queue-size=1"})
class OverloadTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Test
    void shouldRefuseTheOverflowWith503AndRetryAfterAndAnswerEveryoneElse() throws Exception {
        List<ResponseEntity<String>> responses = Bursts.predictions(http, json, 96, 48);

        List<ResponseEntity<String>> refused = responses.stream().filter(r -> r.getStatusCode().value() == 503).toList();
        assertThat(responses).allSatisfy(r -> assertThat(r.getStatusCode().value()).isIn(200, 503));
        assertThat(refused).isNotEmpty();
        assertThat(responses).anySatisfy(r -> assertThat(r.getStatusCode().value()).isEqualTo(200));
        for (ResponseEntity<String> response : refused) {
            assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("1");
            JsonNode error = json.readTree(response.getBody()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("capacity_exceeded");
            assertThat(error.get("requestId").asText()).isNotBlank();
        }
    }
}
