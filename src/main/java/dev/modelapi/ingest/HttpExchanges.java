package dev.modelapi.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.model.InferenceException;
import dev.modelapi.model.ModelUnavailableException;
import dev.modelapi.model.RetryLaterException;
import dev.modelapi.pipeline.InferenceTimeoutException;
import dev.modelapi.pipeline.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What is HTTP about a prediction: the request id, the content type, the JSON answer and the
 * JSON error. Client headers are never echoed back; only {@code X-Request-ID} is.
 */
@Component("httpExchanges")
public class HttpExchanges {

    public static final String REQUEST_ID = "X-Request-ID";
    /** Exchange property holding the request id for the error handler and the response. */
    public static final String REQUEST_ID_PROPERTY = "requestId";
    private static final String ALLOW_PROPERTY = "allowedMethod";

    private static final Logger log = LoggerFactory.getLogger(HttpExchanges.class);
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final ObjectMapper json;

    public HttpExchanges(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The {@code accept} step of a prediction: settles the request id (the caller's, when it is
     * safe to echo, or a new one), and refuses anything but a JSON POST.
     */
    public void accept(Exchange exchange) {
        settleRequestId(exchange);
        requireMethod(exchange, "POST");
        requireJson(exchange);
    }

    /** The {@code accept} step of a read: the request id, and GET only. */
    public void acceptRead(Exchange exchange) {
        settleRequestId(exchange);
        requireMethod(exchange, "GET");
    }

    /**
     * The {@code accept} step of a command: the request id, POST only, and a body, when there is
     * one, in JSON. Its {@code "version"} and {@code "source"} fields, if any, become headers of the same name.
     */
    public void acceptCommand(Exchange exchange) throws Exception {
        settleRequestId(exchange);
        requireMethod(exchange, "POST");
        // only the JSON body may name a source: an HTTP header of that name must not pick MLflow
        exchange.getIn().removeHeader("source");
        String body = exchange.getIn().getBody(String.class);
        if (body == null || body.isBlank()) {
            return;
        }
        requireJson(exchange);
        JsonNode command;
        try {
            command = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw InvalidRequestException.badRequest("malformed_json", "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (command != null && command.hasNonNull("version")) {
            exchange.getIn().setHeader("version", command.get("version").asText());
        }
        if (command != null && command.hasNonNull("source")) {
            exchange.getIn().setHeader("source", command.get("source").asText());
        }
    }

    /** Any answer object (maps, lists, records) as JSON with status 200. */
    public void ok(Exchange exchange) throws Exception {
        respond(exchange, 200, exchange.getIn().getBody(), Map.of());
    }

    private void settleRequestId(Exchange exchange) {
        String offered = exchange.getIn().getHeader(REQUEST_ID, String.class);
        String requestId = requestIdFor(offered);
        exchange.setProperty(REQUEST_ID_PROPERTY, requestId);
        if (offered != null && !offered.equals(requestId)) {
            throw InvalidRequestException.badRequest("invalid_request_id",
                    "X-Request-ID must be 1 to 128 letters, digits or . _ : -");
        }
    }

    private static void requireMethod(Exchange exchange, String allowed) {
        String method = exchange.getIn().getHeader(Exchange.HTTP_METHOD, String.class);
        if (!allowed.equals(method)) {
            exchange.setProperty(ALLOW_PROPERTY, allowed);
            throw new InvalidRequestException(405, "method_not_allowed", method + " is not allowed here; use " + allowed);
        }
    }

    private static void requireJson(Exchange exchange) {
        String contentType = exchange.getIn().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new InvalidRequestException(415, "unsupported_media_type",
                    "send the body as Content-Type: application/json, not " + (contentType == null ? "nothing" : contentType));
        }
    }

    /** The caller's request id when it is safe to log and echo, otherwise a new one. */
    static String requestIdFor(String offered) {
        return offered != null && SAFE_ID.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
    }

    /** The answer to {@code /predict}: the one result. */
    public void single(Exchange exchange) throws Exception {
        List<?> tasks = exchange.getIn().getBody(List.class);
        respond(exchange, 200, result((PredictionTask) tasks.get(0)), Map.of());
    }

    /** The answer to {@code /predict/batch}: every result, in the request's order. */
    public void batch(Exchange exchange) throws Exception {
        ObjectNode body = json.createObjectNode();
        body.put("requestId", exchange.getProperty(REQUEST_ID_PROPERTY, String.class));
        ArrayNode results = body.putArray("results");
        for (Object task : exchange.getIn().getBody(List.class)) {
            results.add(result((PredictionTask) task));
        }
        respond(exchange, 200, body, Map.of());
    }

    /**
     * The error answer, from the exception the route caught: a 4xx for what the caller can fix, a
     * 503 with Retry-After for overload, a 504 for a timeout; never a stack trace.
     */
    public void error(Exchange exchange) throws Exception {
        Throwable caught = ourCause(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        String requestId = exchange.getProperty(REQUEST_ID_PROPERTY, String.class);
        if (requestId == null) {
            requestId = UUID.randomUUID().toString();
            exchange.setProperty(REQUEST_ID_PROPERTY, requestId);
        }
        int status;
        String code;
        String message;
        Map<String, Object> headers = new LinkedHashMap<>();
        if (caught instanceof InvalidRequestException e) {
            status = e.status();
            code = e.code();
            message = e.getMessage();
        } else if (caught instanceof RetryLaterException e) {
            status = 503;
            code = e.code();
            message = e.getMessage();
            headers.put("Retry-After", Math.max(1, e.retryAfter().toSeconds()));
        } else if (caught instanceof ModelUnavailableException e) {
            status = 503;
            code = e.code();
            message = e.getMessage();
            headers.put("Retry-After", 1);
        } else if (caught instanceof InferenceTimeoutException e) {
            status = 504;
            code = e.code();
            message = e.getMessage();
        } else if (caught instanceof InferenceException e) {
            status = 500;
            code = e.code();
            message = "inference failed; the request id is in the service log";
            log.error("Request {} failed: {}", requestId, e.getMessage(), e);
        } else {
            status = 500;
            code = "internal_error";
            message = "unexpected error; the request id is in the service log";
            log.error("Request {} failed", requestId, caught);
        }
        if (status == 405 && exchange.getProperty(ALLOW_PROPERTY) != null) {
            headers.put("Allow", exchange.getProperty(ALLOW_PROPERTY));
        }
        respond(exchange, status, errorBody(json, code, message, requestId), headers);
    }

    /** The one error shape: {@code {"error": {"code", "message", "requestId"}}}. */
    static ObjectNode errorBody(ObjectMapper json, String code, String message, String requestId) {
        ObjectNode body = json.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        error.put("requestId", requestId);
        return body;
    }

    /** The pipeline's own exception under Camel's wrappers (a split reports "processing failed for number N"). */
    static Throwable ourCause(Throwable caught) {
        for (Throwable t = caught; t != null; t = t.getCause()) {
            if (t instanceof InferenceException) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return caught;
    }

    private ObjectNode result(PredictionTask task) {
        ObjectNode node = json.createObjectNode();
        EnsembleResult result = task.result();
        node.put("requestId", task.requestId());
        node.put("index", task.index());
        node.put("label", result.label());
        node.put("score", result.score());
        node.put("degraded", result.degraded());
        node.put("cached", task.cached());
        node.put("batchSize", task.batchSize());
        node.put("latencyMs", task.latencyMs());
        ObjectNode ensemble = node.putObject("ensemble");
        if (result.ensemble() != null) {
            ensemble.put("name", result.ensemble());
        }
        ensemble.put("method", result.method().wireName());
        ensemble.put("agreement", result.agreement());
        ensemble.put("margin", result.margin());
        ArrayNode failed = ensemble.putArray("failed");
        for (EnsembleResult.FailedModel model : result.failed()) {
            failed.addObject().put("name", model.name()).put("version", model.version()).put("reason", model.reason());
        }
        ArrayNode models = node.putArray("models");
        for (ModelVote vote : result.models()) {
            ObjectNode model = models.addObject();
            model.put("name", vote.name());
            model.put("version", vote.version());
            model.put("label", vote.label());
            ObjectNode probabilities = model.putObject("probabilities");
            vote.probabilities().forEach(probabilities::put);
        }
        return node;
    }

    /** Writes the answer; of the request's headers nothing is echoed but the request id. */
    private void respond(Exchange exchange, int status, Object body, Map<String, Object> headers) throws Exception {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(REQUEST_ID, exchange.getProperty(REQUEST_ID_PROPERTY, String.class));
        headers.forEach(message::setHeader);
        message.setBody(json.writeValueAsString(body));
    }
}
