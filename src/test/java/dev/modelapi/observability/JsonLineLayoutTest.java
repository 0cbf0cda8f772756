package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A JSON log line: one object, the request's ids from the MDC, personal data redacted. */
class JsonLineLayoutTest {

    @Test
    void shouldWriteOneObjectWithTheRequestsIdsAndNoPersonalData() throws Exception {
        LoggerContext context = new LoggerContext();
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("dev.modelapi.Test"), Level.WARN,
                "Request {} from {} failed", new IllegalStateException("card 4111 1111 1111 1111 declined"),
                new Object[] {"r-1", "jane@example.org"});
        event.setMDCPropertyMap(Map.of("requestId", "r-1", "trace_id", "4bf92f3577b34da6a3ce929d0e0e4736",
                "span_id", "00f067aa0ba902b7", "camel.routeId", "predict-text"));
        JsonLineLayout layout = new JsonLineLayout();

        String line = layout.doLayout(event);

        assertThat(line).endsWith(System.lineSeparator()).doesNotContain("\n{");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("logger").asText()).isEqualTo("dev.modelapi.Test");
        assertThat(json.get("message").asText()).isEqualTo("Request r-1 from [EMAIL] failed");
        assertThat(json.get("requestId").asText()).isEqualTo("r-1");
        assertThat(json.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(json.get("spanId").asText()).isEqualTo("00f067aa0ba902b7");
        assertThat(json.get("routeId").asText()).isEqualTo("predict-text");
        assertThat(json.get("exception").asText()).contains("IllegalStateException", "[PAYMENT_CARD]")
                .doesNotContain("4111");
        assertThat(json.get("timestamp").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
    }
}
