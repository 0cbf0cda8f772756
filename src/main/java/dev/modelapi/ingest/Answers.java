package dev.modelapi.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.pipeline.PredictionTask;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The answer and the error every channel gives (HTTP, JMS, Kafka, the folder): one JSON shape per
 * answered text and one error shape. What an exception means for the caller is the error clauses'
 * ({@link Failures}).
 */
@Component("answers")
public class Answers {

    private final ObjectMapper json;

    public Answers(ObjectMapper json) {
        this.json = json;
    }


    /** The result of one answered text, as {@code /predict} returns it. */
    public ObjectNode result(PredictionTask task) {
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

    /** Every result of a request, in its order: {@code {"requestId", "results": [...]}}. */
    public ObjectNode results(String requestId, List<PredictionTask> tasks) {
        ObjectNode body = json.createObjectNode();
        body.put("requestId", requestId);
        ArrayNode results = body.putArray("results");
        tasks.forEach(task -> results.add(result(task)));
        return body;
    }

    /**
     * The answer to a request of either shape, as one channel message: the result of a
     * {@code {"text"}} request, or {@code {"requestId", "results"}} for a {@code {"texts"}} one.
     */
    public ObjectNode answerTo(String requestBody, String requestId, List<PredictionTask> tasks) {
        boolean batch;
        try {
            batch = json.readTree(requestBody).has("texts");
        } catch (java.io.IOException | RuntimeException e) {
            batch = false;
        }
        return batch ? results(requestId, tasks) : result(tasks.get(0));
    }

    /** The one error shape: {@code {"error": {"code", "message", "requestId"}}}. */
    public ObjectNode errorBody(String code, String message, String requestId) {
        ObjectNode body = json.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        error.put("requestId", requestId);
        return body;
    }

    /** The Open Inference Protocol's error shape: {@code {"error": "<message>"}}. */
    public ObjectNode inferenceErrorBody(String message) {
        return json.createObjectNode().put("error", message);
    }

    /**
     * The error shape of the API a path belongs to, for answers given before a route runs (key
     * checks, overload): the Open Inference Protocol's under {@code /v2}, else {@link #errorBody}.
     */
    public ObjectNode errorBodyFor(String path, String code, String message, String requestId) {
        boolean inferenceProtocol = path.equals(InferenceProtocol.PATH)
                || path.startsWith(InferenceProtocol.PATH + "/");
        return inferenceProtocol ? inferenceErrorBody(message) : errorBody(code, message, requestId);
    }

    /**
     * Writes an error answer straight to the servlet response, for what is refused before or
     * outside a route (the key check, a body not read, a request the route never answered):
     * the status, the request id header and {@link #errorBodyFor} as UTF-8 JSON. Other headers
     * (Retry-After, WWW-Authenticate) are the caller's to set first.
     */
    public void writeError(HttpServletResponse response, String path, String requestId, int status, String code,
            String message) throws IOException {
        response.setStatus(status);
        response.setHeader(HttpExchanges.REQUEST_ID, requestId);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(json.writeValueAsString(errorBodyFor(path, code, message, requestId)));
    }


    /**
     * Why a body is not JSON, by position only: the parser's own message quotes the offending
     * input, which may hold personal data and would reach logs and dead letters.
     */
    public static String notJson(com.fasterxml.jackson.core.JsonProcessingException e) {
        com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
        return at == null ? "the body is not valid JSON"
                : "the body is not valid JSON (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

}
