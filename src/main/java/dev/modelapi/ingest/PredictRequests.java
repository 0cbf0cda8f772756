package dev.modelapi.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResolver;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Reads a prediction request body (the same JSON on every channel) into one
 * {@link PredictionTask} per text. Everything the caller can get wrong is refused here, before
 * anything is queued, with a 4xx {@link InvalidRequestException}.
 */
@Component("predictRequests")
public class PredictRequests {

    private final ObjectMapper json;
    private final EnsembleResolver ensembles;
    private final ApiProperties limits;

    public PredictRequests(ObjectMapper json, EnsembleResolver ensembles, ApiProperties limits) {
        this.json = json;
        this.ensembles = ensembles;
        this.limits = limits;
    }

    /** {@code {"text": "...", "models": [...]?, "ensemble": {...}?}}: one task. */
    public List<PredictionTask> single(String body, String requestId, String channel, String principal) {
        return single(body, requestId, channel, principal, null);
    }

    /**
     * As {@link #single(String, String, String, String)}, with the named ensemble a request that
     * names neither models nor an ensemble gets on this route (an ingress route's own default).
     */
    public List<PredictionTask> single(String body, String requestId, String channel, String principal,
            String routeEnsemble) {
        return singleOf(parse(body), requestId, channel, principal, routeEnsemble);
    }

    /**
     * Either shape, for channels with one inbox (a JMS queue, a Kafka topic): a body with
     * {@code "texts"} is a batch, any other a single text.
     */
    public List<PredictionTask> any(String body, String requestId, String channel, String principal,
            String routeEnsemble) {
        JsonNode request = parse(body);
        return request.has("texts") ? batchOf(request, requestId, channel, principal, routeEnsemble)
                : singleOf(request, requestId, channel, principal, routeEnsemble);
    }

    private List<PredictionTask> singleOf(JsonNode request, String requestId, String channel, String principal,
            String routeEnsemble) {
        long received = System.nanoTime();
        JsonNode text = request.get("text");
        if (text == null || text.isNull()) {
            throw InvalidRequestException.badRequest("missing_text", "the request has no \"text\"");
        }
        if (!text.isTextual()) {
            throw InvalidRequestException.badRequest("invalid_text", "\"text\" must be a string");
        }
        EnsembleSpec ensemble = ensembleOf(request, routeEnsemble);
        return List.of(new PredictionTask(requestId, 0, channel, principal, text.asText(), ensemble, received));
    }

    /** {@code {"texts": [...], "models": [...]?, "ensemble": {...}?}}: one task per text, in order. */
    public List<PredictionTask> batch(String body, String requestId, String channel, String principal) {
        return batch(body, requestId, channel, principal, null);
    }

    /** As {@link #batch(String, String, String, String)}, with the route's default named ensemble. */
    public List<PredictionTask> batch(String body, String requestId, String channel, String principal,
            String routeEnsemble) {
        return batchOf(parse(body), requestId, channel, principal, routeEnsemble);
    }

    private List<PredictionTask> batchOf(JsonNode request, String requestId, String channel, String principal,
            String routeEnsemble) {
        long received = System.nanoTime();
        JsonNode texts = request.get("texts");
        if (texts == null || texts.isNull()) {
            throw InvalidRequestException.badRequest("missing_texts", "the request has no \"texts\"");
        }
        if (!texts.isArray() || texts.isEmpty()) {
            throw InvalidRequestException.badRequest("invalid_texts", "\"texts\" must be a non-empty array of strings");
        }
        if (texts.size() > limits.maxBatchTexts()) {
            throw InvalidRequestException.badRequest("too_many_texts",
                    texts.size() + " texts; at most " + limits.maxBatchTexts() + " per request");
        }
        EnsembleSpec ensemble = ensembleOf(request, routeEnsemble);
        List<PredictionTask> tasks = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            if (!texts.get(i).isTextual()) {
                throw InvalidRequestException.badRequest("invalid_texts", "texts[" + i + "] is not a string");
            }
            tasks.add(new PredictionTask(requestId, i, channel, principal, texts.get(i).asText(), ensemble, received));
        }
        return tasks;
    }

    /** The body as a JSON object within {@code modelapi.api.max-body-size}; anything else is a 4xx. */
    JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw InvalidRequestException.badRequest("empty_body", "the request body is empty");
        }
        long limit = limits.maxBodySize().toBytes();
        // a char is at most 3 UTF-8 bytes: only a body that could be over the limit is encoded to
        // count (an HTTP body was bounded as it was read; JMS, Kafka and folder bodies were not)
        if (body.length() > limit / 3 && body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > limit) {
            throw InvalidRequestException.tooLarge("body_too_large",
                    "the request body is larger than " + limits.maxBodySize().toBytes() + " bytes");
        }
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw InvalidRequestException.badRequest("malformed_json",
                    Answers.notJson(e));
        }
        if (request == null || !request.isObject()) {
            throw InvalidRequestException.badRequest("malformed_json", "the body must be a JSON object");
        }
        return request;
    }

    /** The votes a request may ask for, as they are written: lower case. */
    private static final List<String> METHODS = java.util.Arrays.stream(EnsembleMethod.values())
            .map(EnsembleMethod::wireName).toList();

    private EnsembleSpec ensembleOf(JsonNode request, String routeEnsemble) {
        List<String> models = null;
        JsonNode modelsNode = request.get("models");
        if (modelsNode != null && !modelsNode.isNull()) {
            if (!modelsNode.isArray()) {
                throw InvalidRequestException.badRequest("invalid_models", "\"models\" must be an array of model names");
            }
            models = new ArrayList<>();
            for (JsonNode model : modelsNode) {
                if (!model.isTextual() || model.asText().isBlank()) {
                    throw InvalidRequestException.badRequest("invalid_models", "\"models\" must hold model names");
                }
                models.add(model.asText());
            }
        }
        String name = null;
        String method = null;
        Map<String, Double> weights = null;
        Integer quorum = null;
        JsonNode ensemble = request.get("ensemble");
        if (ensemble != null && ensemble.isTextual()) {
            name = ensemble.asText();
        } else if (ensemble != null && !ensemble.isNull()) {
            if (!ensemble.isObject()) {
                throw InvalidRequestException.badRequest("invalid_ensemble",
                        "\"ensemble\" must be an ensemble's name or an object");
            }
            JsonNode nameNode = ensemble.get("name");
            if (nameNode != null && !nameNode.isNull()) {
                if (!nameNode.isTextual() || nameNode.asText().isBlank()) {
                    throw InvalidRequestException.badRequest("invalid_ensemble", "\"ensemble.name\" must be a name");
                }
                name = nameNode.asText();
            }
            JsonNode methodNode = ensemble.get("method");
            if (methodNode != null && !methodNode.isNull()) {
                if (!methodNode.isTextual() || !METHODS.contains(methodNode.asText())) {
                    throw InvalidRequestException.badRequest("invalid_ensemble",
                            "\"ensemble.method\" must be one of " + METHODS);
                }
                method = methodNode.asText();
            }
            JsonNode quorumNode = ensemble.get("quorum");
            if (quorumNode != null && !quorumNode.isNull()) {
                if (!quorumNode.canConvertToInt() || !quorumNode.isIntegralNumber()) {
                    throw InvalidRequestException.badRequest("invalid_ensemble", "\"ensemble.quorum\" must be a whole number");
                }
                quorum = quorumNode.asInt();
            }
            JsonNode weightsNode = ensemble.get("weights");
            if (weightsNode != null && !weightsNode.isNull()) {
                if (!weightsNode.isObject()) {
                    throw InvalidRequestException.badRequest("invalid_ensemble", "\"ensemble.weights\" must map model names to numbers");
                }
                weights = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> entry : weightsNode.properties()) {
                    // every weight, of a model in the ensemble or not: a negative one is a mistake either way
                    if (!entry.getValue().isNumber() || !(entry.getValue().asDouble() >= 0)
                            || Double.isInfinite(entry.getValue().asDouble())) {
                        throw InvalidRequestException.badRequest("invalid_ensemble",
                                "the weight of " + entry.getKey() + " must be a number of 0 or more");
                    }
                    weights.put(entry.getKey(), entry.getValue().asDouble());
                }
            }
        }
        if (name == null && models == null && routeEnsemble != null && !routeEnsemble.isBlank()) {
            name = routeEnsemble;
        }
        return ensembles.resolve(name, models, method, weights, quorum);
    }
}
