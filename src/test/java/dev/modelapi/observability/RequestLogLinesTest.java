package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A line logged while a request is handled carries that request's ids in the JSON log, on the
 * container's thread and on the thread that resumes the request after its batch, with the real
 * models: a {@code log} step added at the end of the {@code http-predict} route logs each answer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RequestLogLinesTest {

    private static final String PROBE = "dev.modelapi.test.request-log-probe";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    CamelContext camel;

    /** Keeps each event with the MDC of the thread that logged it (logback reads it lazily otherwise). */
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };

    @BeforeEach
    void probe() throws Exception {
        AdviceWith.adviceWith(camel, "http-predict",
                route -> route.weaveAddLast().to("log:" + PROBE + "?level=INFO&showBody=false"));
        lines.start();
        ((Logger) LoggerFactory.getLogger(PROBE)).addAppender(lines);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(PROBE)).detachAppender(lines);
    }

    private ResponseEntity<String> predict(String text, String requestId, String traceId) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("X-API-Key", "modelapi-dev-key");
        headers.set("X-Request-ID", requestId);
        headers.set("traceparent", "00-" + traceId + "-" + traceId.substring(0, 16) + "-01");
        return http.postForEntity("/api/v1/predict", new HttpEntity<>(json.writeValueAsString(Map.of("text", text)),
                headers), String.class);
    }

    private JsonNode lineOf(String requestId) throws Exception {

        await().atMost(Duration.ofSeconds(10)).until(() -> List.copyOf(lines.list).stream()
                .anyMatch(e -> requestId.equals(e.getMDCPropertyMap().get(RequestLogContext.REQUEST_ID))));
        ILoggingEvent event = List.copyOf(lines.list).stream()
                .filter(e -> requestId.equals(e.getMDCPropertyMap().get(RequestLogContext.REQUEST_ID)))
                .findFirst().orElseThrow();
        return json.readTree(new JsonLineLayout().doLayout(event));
    }

    @Test
    void shouldLogTheRequestsIdsOnTheThreadThatAnswersIt() throws Exception {
        String text = "Subject: lunch\n\nare we still on for lunch at noon? " + UUID.randomUUID();
        String traceId = UUID.randomUUID().toString().replace("-", "");

        ResponseEntity<String> miss = predict(text, "log-probe-miss", traceId);
        ResponseEntity<String> hit = predict(text, "log-probe-hit", traceId);

        assertThat(miss.getStatusCode().value()).as(miss.getBody()).isEqualTo(200);
        assertThat(json.readTree(hit.getBody()).get("cached").asBoolean()).as(hit.getBody()).isTrue();
        JsonNode afterBatch = lineOf("log-probe-miss");
        assertThat(afterBatch.get("thread").asText()).as("resumed by the batch's thread")
                .doesNotStartWith("http-nio");
        assertThat(afterBatch.get("traceId").asText()).isEqualTo(traceId);
        assertThat(afterBatch.get("routeId").asText()).isEqualTo("http-predict");
        JsonNode onContainer = lineOf("log-probe-hit");
        assertThat(onContainer.get("thread").asText()).as("a cache hit stays on the container's thread")
                .startsWith("http-nio");
        assertThat(onContainer.get("traceId").asText()).isEqualTo(traceId);
        assertThat(onContainer.get("spanId").asText()).isNotEqualTo(afterBatch.get("spanId").asText());
    }
}
