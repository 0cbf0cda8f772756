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
 * No thread waits for a request's answer: with four container threads and four task threads,
 * twelve requests at once still wait in one batch together (a thread held per request, as Camel's
 * own Spring Boot engine holds a task thread, would cap the batch at four).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.tomcat.threads.max=4", "server.tomcat.threads.min-spare=1",
        "spring.task.execution.pool.core-size=4", "spring.task.execution.pool.max-size=4",
        "modelapi.batching.max-delay=1500ms", "modelapi.cache.enabled=false"})
class HttpWithoutWaitingThreadsTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Test
    void shouldBatchMoreConcurrentRequestsThanContainerThreads() throws Exception {
        List<ResponseEntity<String>> responses = Bursts.predictions(http, json, 12, 12);

        assertThat(responses).allSatisfy(r -> assertThat(r.getStatusCode().value()).as(r.getBody()).isEqualTo(200));
        int largestBatch = 0;
        for (ResponseEntity<String> response : responses) {
            largestBatch = Math.max(largestBatch, json.readTree(response.getBody()).get("batchSize").asInt());
        }
        assertThat(largestBatch).isGreaterThan(4);
    }
}
