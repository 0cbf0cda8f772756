package dev.modelapi.observability;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per log line ({@code LOG_FORMAT=json}): time, level, logger, thread, message
 * and stack trace with personal data redacted, and the request id, trace and span ids and the
 * Camel route id when the line was logged while handling a request.
 */
public class JsonLineLayout extends LayoutBase<ILoggingEvent> {

    /** MDC keys and the field each becomes. */
    private static final Map<String, String> FIELDS = Map.of(
            "requestId", "requestId",
            "trace_id", "traceId",
            "span_id", "spanId",
            "camel.routeId", "routeId",
            "camel.exchangeId", "exchangeId");

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public String doLayout(ILoggingEvent event) {
        ObjectNode line = json.createObjectNode();
        line.put("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        line.put("level", event.getLevel().toString());
        line.put("logger", event.getLoggerName());
        line.put("thread", event.getThreadName());
        line.put("message", RedactingMessageConverter.PII.redact(event.getFormattedMessage()));
        Map<String, String> mdc = event.getMDCPropertyMap();
        FIELDS.forEach((key, field) -> {
            String value = mdc.get(key);
            if (value != null) {
                line.put(field, value);
            }
        });
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.put("exception", RedactingMessageConverter.PII.redact(ThrowableProxyUtil.asString(thrown)));
        }
        try {
            return json.writeValueAsString(line) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            return "{\"level\":\"ERROR\",\"message\":\"log line could not be written as JSON\"}" + System.lineSeparator();
        }
    }
}
