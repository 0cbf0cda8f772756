package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.ModelsApi;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;

/**
 * A client that goes away while its request waits for its batch: the answer that comes later
 * finds no one, and that is no error of the service's (nothing logged at warn or error, no
 * exception), and the service goes on answering. Whether the container notices the closed
 * connection before the answer (AsyncListener.onError) or only when writing depends on timing;
 * AsyncPlatformHttpEngine handles both.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.batching.max-delay=1000ms", "modelapi.cache.enabled=false"})
class HttpClientGoneTest {

    @LocalServerPort
    int port;

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
    void shouldDropTheAnswerOfAClientThatWentAwayWithoutAnError(CapturedOutput output) throws Exception {
        long queuedBefore = meters.timer("modelapi.batch.queue.wait").count();
        byte[] body = json.writeValueAsBytes(Map.of("text", "a client that does not wait for its answer"));
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "X-API-Key: modelapi-dev-key\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            // the request now waits for its batch (max-delay 1 s)
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inFlight() == 1);
        }

        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> meters.timer("modelapi.batch.queue.wait").count() > queuedBefore);
        // the batch has run; its answer went nowhere and the request's exchange and permit ended
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> inFlight() == 0);
        assertThat(output.getAll()).doesNotContain("AsyncContext").doesNotContain("IllegalStateException")
                .doesNotContain(" ERROR ");

        ResponseEntity<String> next = ModelsApi.post(http, json, "/api/v1/predict", Map.of("text", "still answering"));
        assertThat(next.getStatusCode().value()).as(next.getBody()).isEqualTo(200);
    }
}
