package dev.modelapi.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResolver;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Validator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Reads a prediction request body (the same JSON on every channel) into one
 * {@link PredictionTask} per text: bound by Jackson to the records of {@link PredictRequest}
 * without type coercion, checked by Bean Validation, then the ensemble resolved. Everything the
 * caller can get wrong is refused here, before anything is queued, with a 4xx
 * {@link InvalidRequestException} whose code names the field ({@code invalid_text},
 * {@code missing_texts}, {@code invalid_models}, {@code invalid_ensemble}, ...).
 */
@Component("predictRequests")
public class PredictRequests {

    private final ObjectMapper json;
    private final ObjectMapper strict;
    private final Validator validator;
    private final EnsembleResolver ensembles;
    private final ApiProperties limits;

    public PredictRequests(ObjectMapper json, Validator validator, EnsembleResolver ensembles, ApiProperties limits) {
        this.json = json;
        this.strict = strict(json);
        this.validator = validator;
        this.ensembles = ensembles;
        this.limits = limits;
    }

    /** The service's mapper with no coercion between JSON types: a number is not a text, 1.5 not a whole number, "true" not true. */
    static ObjectMapper strict(ObjectMapper json) {
        ObjectMapper strict = json.copy();
        strict.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Float)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Collection)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        return strict;
    }

    /**
     * {@code {"text": "...", "models": [...]?, "ensemble": {...}?}}: one task. {@code routeEnsemble}
     * is the named ensemble a request that names neither models nor an ensemble gets on this route
     * (an ingress route's own default; {@code ''} for none). One method per name: Camel resolves an
     * overloaded bean method anew on every call (docs/performance.md).
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

    private List<PredictionTask> singleOf(JsonNode body, String requestId, String channel, String principal,
            String routeEnsemble) {
        long received = System.nanoTime();
        PredictRequest.Single request = bind(body, PredictRequest.Single.class);
        EnsembleSpec ensemble = ensembleOf(request.models(), request.ensemble(), routeEnsemble);
        return List.of(new PredictionTask(requestId, 0, channel, principal, request.text(), ensemble, received));
    }

    /**
     * {@code {"texts": [...], "models": [...]?, "ensemble": {...}?}}: one task per text, in order;
     * {@code routeEnsemble} as for {@link #single}.
     */
    public List<PredictionTask> batch(String body, String requestId, String channel, String principal,
            String routeEnsemble) {
        return batchOf(parse(body), requestId, channel, principal, routeEnsemble);
    }

    private List<PredictionTask> batchOf(JsonNode body, String requestId, String channel, String principal,
            String routeEnsemble) {
        long received = System.nanoTime();
        JsonNode texts = body.get("texts");
        // counted before binding: a request far over the limit is refused without building its list
        if (texts != null && texts.isArray() && texts.size() > limits.maxBatchTexts()) {
            throw InvalidRequestException.badRequest("too_many_texts",
                    texts.size() + " texts; at most " + limits.maxBatchTexts() + " per request");
        }
        PredictRequest.Batch request = bind(body, PredictRequest.Batch.class);
        EnsembleSpec ensemble = ensembleOf(request.models(), request.ensemble(), routeEnsemble);
        List<PredictionTask> tasks = new ArrayList<>(request.texts().size());
        for (int i = 0; i < request.texts().size(); i++) {
            tasks.add(new PredictionTask(requestId, i, channel, principal, request.texts().get(i), ensemble, received));
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

    /** The body as the record, valid, or the 400 of its first wrong field. */
    private <T> T bind(JsonNode body, Class<T> type) {
        T request;
        try {
            request = strict.treeToValue(body, type);
        } catch (JsonMappingException e) {
            throw wrongType(e.getPath());
        } catch (JsonProcessingException e) {
            throw InvalidRequestException.badRequest("malformed_json", Answers.notJson(e));
        }
        if (isPlain(request)) {
            return request; // nothing there that a constraint could refuse: Bean Validation has nothing to do
        }
        Set<ConstraintViolation<T>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            // the first in field order: text(s), models, ensemble
            throw violations.stream().map(PredictRequests::invalid)
                    .min(java.util.Comparator.comparingInt(refusal -> FIELDS.indexOf(refusal.field())))
                    .orElseThrow().exception();
        }
        return request;
    }

    /**
     * A request of its text, or texts none of them null, and nothing else: what most requests
     * are, and nothing in it that {@link PredictRequest}'s constraints could refuse
     * ({@code PredictRequestsTest} holds them to that), so it skips Bean Validation's walk of the
     * record, some 2 % of a request's allocation.
     */
    static boolean isPlain(Object request) {
        if (request instanceof PredictRequest.Single single) {
            return single.text() != null && single.models() == null && single.ensemble() == null;
        }
        if (request instanceof PredictRequest.Batch batch) {
            if (batch.texts() == null || batch.texts().isEmpty() || batch.models() != null || batch.ensemble() != null) {
                return false;
            }
            for (String text : batch.texts()) {
                if (text == null) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /** The request's fields in the order their errors are reported. */
    private static final List<String> FIELDS = List.of("text", "texts", "models", "ensemble");

    private record Refusal(String field, InvalidRequestException exception) {
    }

    /** A field of the wrong JSON type (a number for a text, a text for a list, ...). */
    private static InvalidRequestException wrongType(List<JsonMappingException.Reference> path) {
        String field = path.isEmpty() ? "" : String.valueOf(path.get(0).getFieldName());
        JsonMappingException.Reference inner = path.size() > 1 ? path.get(1) : null;
        return switch (field) {
            case "text" -> InvalidRequestException.badRequest("invalid_text", "\"text\" must be a string");
            case "texts" -> InvalidRequestException.badRequest("invalid_texts", inner == null
                    ? "\"texts\" must be a non-empty array of strings" : "texts[" + inner.getIndex() + "] is not a string");
            case "models" -> modelsRefused(inner != null);
            case "ensemble" -> ensembleRefused(inner == null ? null : inner.getFieldName(),
                    path.size() > 2 ? path.get(2).getFieldName() : null);
            default -> InvalidRequestException.badRequest("malformed_json", "the body must be a JSON object");
        };
    }

    /** A field Bean Validation refused. */
    private static Refusal invalid(ConstraintViolation<?> violation) {
        List<Path.Node> path = new ArrayList<>();
        violation.getPropertyPath().forEach(path::add);
        String field = path.get(0).getName();
        Path.Node inner = path.size() > 1 ? path.get(1) : null;
        boolean missing = violation.getInvalidValue() == null && path.size() == 1;
        InvalidRequestException refused = switch (field) {
            case "text" -> InvalidRequestException.badRequest("missing_text", violation.getMessage());
            // null breaks both of its constraints: named as missing whichever is reported
            case "texts" -> missing ? InvalidRequestException.badRequest("missing_texts", "the request has no \"texts\"")
                    : InvalidRequestException.badRequest("invalid_texts", inner == null ? violation.getMessage()
                            : "texts[" + inner.getIndex() + "] is not a string");
            case "models" -> modelsRefused(true);
            case "ensemble" -> ensembleRefused(inner == null ? null : inner.getName(),
                    inner != null && "weights".equals(inner.getName())
                            ? String.valueOf(path.get(path.size() - 1).getKey()) : null);
            default -> InvalidRequestException.badRequest("invalid_request", field + ": " + violation.getMessage());
        };
        return new Refusal(field, refused);
    }

    private static InvalidRequestException modelsRefused(boolean element) {
        return InvalidRequestException.badRequest("invalid_models", element ? "\"models\" must hold model names"
                : "\"models\" must be an array of model names");
    }

    /** {@code field}: the ensemble's field at fault, null for the ensemble itself; {@code key}: a weight's model. */
    private static InvalidRequestException ensembleRefused(String field, String key) {
        String message = field == null ? "\"ensemble\" must be an ensemble's name or an object" : switch (field) {
            case "name" -> "\"ensemble.name\" must be a name";
            case "method" -> "\"ensemble.method\" must be one of " + METHODS;
            case "quorum" -> "\"ensemble.quorum\" must be a whole number";
            case "weights" -> key == null ? "\"ensemble.weights\" must map model names to numbers"
                    : "the weight of " + key + " must be a number of 0 or more";
            default -> "\"ensemble\" must be an ensemble's name or an object";
        };
        return InvalidRequestException.badRequest("invalid_ensemble", message);
    }

    /** The votes a request may ask for, as they are written: lower case. */
    static final List<String> METHODS = java.util.Arrays.stream(EnsembleMethod.values())
            .map(EnsembleMethod::wireName).toList();

    private EnsembleSpec ensembleOf(List<String> models, PredictRequest.Ensemble ensemble, String routeEnsemble) {
        String name = ensemble == null ? null : ensemble.name();
        if (name == null && models == null && routeEnsemble != null && !routeEnsemble.isBlank()) {
            name = routeEnsemble;
        }
        return ensemble == null ? ensembles.resolve(name, models, null, null, null)
                : ensembles.resolve(name, models, ensemble.method(),
                        ensemble.weights() == null ? null : new LinkedHashMap<>(ensemble.weights()), ensemble.quorum());
    }
}
