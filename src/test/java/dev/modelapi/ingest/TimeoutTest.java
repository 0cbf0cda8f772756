package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** A request whose answer does not come within the request timeout gets a 504 JSON error. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.batching.request-timeout=1ms", "modelapi.batching.max-delay=200ms"})
class TimeoutTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Test
    void shouldAnswer504WhenTheBatchIsTooLate() throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);

        ResponseEntity<String> response = http.postForEntity("/api/v1/predict",
                new HttpEntity<>(json.writeValueAsString(Map.of("text", "too slow")), headers), String.class);

        assertThat(response.getStatusCode().value()).isEqualTo(504);
        assertThat(json.readTree(response.getBody()).get("error").get("code").asText()).isEqualTo("inference_timeout");
    }
}
