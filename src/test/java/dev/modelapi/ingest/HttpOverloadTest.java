package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.Bursts;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;

/**
 * Requests in flight over HTTP are the first bound: with room for two, a burst gets 503s with
 * Retry-After in the JSON shape, never a 500, and the requests admitted are answered.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.api.max-in-flight=2", "modelapi.batching.max-delay=50ms"})
class HttpOverloadTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Test
    void shouldAnswerRequestsBeyondTheHttpPoolWith503() throws Exception {
        List<ResponseEntity<String>> responses = Bursts.predictions(http, json, 16, 16);

        assertThat(responses).allSatisfy(r -> assertThat(r.getStatusCode().value()).isIn(200, 503));
        List<ResponseEntity<String>> refused = responses.stream().filter(r -> r.getStatusCode().value() == 503).toList();
        assertThat(refused).isNotEmpty();
        assertThat(responses).anySatisfy(r -> assertThat(r.getStatusCode().value()).isEqualTo(200));
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.getHeaders().getFirst("Retry-After")).isEqualTo("1");
            assertThat(json.readTree(r.getBody()).get("error").get("code").asText()).isEqualTo("capacity_exceeded");
        });
    }
}
