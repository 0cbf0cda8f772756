package dev.modelapi.ingest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.observability.RequestLogContext;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * What is HTTP about a prediction: the request id, the content type, the JSON answer and the
 * JSON error. Client headers are never echoed back; only {@code X-Request-ID} is.
 */
@Component("httpExchanges")
public class HttpExchanges {

    public static final String REQUEST_ID = "X-Request-ID";
    /** Exchange property holding the request id for the error handler and the response. */
    public static final String REQUEST_ID_PROPERTY = RequestLogContext.REQUEST_ID; // and its key in the logging MDC
    private static final String ALLOW_PROPERTY = "allowedMethod";

    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final ObjectMapper json;
    private final ObjectMapper strict;
    private final Answers answers;
    private final Failures failures;

    public HttpExchanges(ObjectMapper json, Answers answers, Failures failures) {
        this.json = json;
        this.strict = PredictRequests.strict(json);
        this.answers = answers;
        this.failures = failures;
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

    /**
     * The {@code accept} step of an Open Inference Protocol request: the request id, POST only, and
     * a JSON body, labelled {@code application/json} or not labelled at all (some of the protocol's
     * clients send no content type).
     */
    public void acceptInfer(Exchange exchange) {
        settleRequestId(exchange);
        requireMethod(exchange, "POST");
        if (exchange.getIn().getHeader(Exchange.CONTENT_TYPE) != null
                && exchange.getProperty(InferenceProtocol.BINARY_PROPERTY) == null) {
            requireJson(exchange); // a body with binary tensor data after its JSON may say application/octet-stream
        }
    }

    /**
     * The {@code accept} step of a read: the request id, GET only, and a query without control
     * characters (Camel drops a parameter whose value holds a line break, so such a filter would
     * silently not apply; no name, label or date has one).
     */
    public void acceptRead(Exchange exchange) {
        settleRequestId(exchange);
        requireMethod(exchange, "GET");
        requireCleanQuery(exchange);
    }

    private static void requireCleanQuery(Exchange exchange) {
        String query = exchange.getIn().getHeader(Exchange.HTTP_QUERY, String.class);
        if (query != null && !query.isEmpty() && decoded(query).codePoints().anyMatch(Character::isISOControl)) {
            throw InvalidRequestException.badRequest("invalid_query", "the query must not hold control characters");
        }
    }

    /** The {@code accept} step of a deletion: the request id, and DELETE only. */
    public void acceptDelete(Exchange exchange) {
        settleRequestId(exchange);
        requireMethod(exchange, "DELETE");
    }

    /** The {@code accept} step of a path that reads (GET) and deletes (DELETE): the request id and one of the two. */
    public void acceptReadOrDelete(Exchange exchange) {
        settleRequestId(exchange);
        requireMethod(exchange, "GET", "DELETE");
        if ("GET".equals(exchange.getIn().getHeader(Exchange.HTTP_METHOD, String.class))) {
            requireCleanQuery(exchange);
        }
    }

    private static String decoded(String query) {
        try {
            return java.net.URLDecoder.decode(query, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.badRequest("invalid_query", "the query is not validly %-encoded");
        }
    }

    /**
     * The {@code accept} step of a command: the request id, POST only, and a body, when there is
     * one, in JSON. Its {@code "version"} and {@code "source"} fields, if any, become headers of the same name.
     */
    public void acceptCommand(Exchange exchange) throws Exception {
        settleRequestId(exchange);
        requireMethod(exchange, "POST");
        // only the JSON body may name a source or a version: HTTP headers of those names must pick
        // neither MLflow nor a version (without one, load takes the highest and unload takes all)
        exchange.getIn().removeHeader("source");
        exchange.getIn().removeHeader("version");
        String body = exchange.getIn().getBody(String.class);
        if (body == null || body.isBlank()) {
            return;
        }
        requireJson(exchange);
        JsonNode tree;
        try {
            tree = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw InvalidRequestException.badRequest("malformed_json", Answers.notJson(e));
        }
        if (tree == null || !tree.isObject()) {
            throw InvalidRequestException.badRequest("malformed_json", "the body must be a JSON object");
        }
        ModelCommand command;
        try {
            command = strict.treeToValue(tree, ModelCommand.bodyOf(exchange.getIn().getHeader("command", String.class)));
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? "body" : e.getPath().get(0).getFieldName();
            throw InvalidRequestException.badRequest("invalid_command", "\"" + field + "\" must be a string");
        }
        if (command.version() != null) {
            exchange.getIn().setHeader("version", command.version());
        }
        if (command.source() != null) {
            exchange.getIn().setHeader("source", command.source());
        }
    }

    /**
     * The body of {@code POST /api/v1/models/{name}/{command}}, one type per command as the OpenAPI
     * document has them, bound without type coercion; unknown fields, and those another command
     * takes, are ignored (whatever the injected mapper's setting). A field absent here is absent;
     * the command says whether it needs it.
     */
    sealed interface ModelCommand {

        String version();

        default String source() {
            return null;
        }

        /** The body type of a command; unknown commands bind as unload would (and are refused by name). */
        static Class<? extends ModelCommand> bodyOf(String command) {
            return "load".equals(command) ? LoadCommand.class : VersionCommand.class;
        }
    }

    /** load: a repository {@code version} or an MLflow {@code source}; a null is "not given". */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record LoadCommand(String version, String source) implements ModelCommand {
    }

    /**
     * unload, default (and rollback, which reads no field): a {@code version}. A null is a type
     * error like a number, and must never read as "no version", which for unload is every version.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    static final class VersionCommand implements ModelCommand {

        private String version;

        @Override
        public String version() {
            return version;
        }

        // a setter, not a record's constructor: an absent field never reaches it, a null fails here
        @JsonSetter(nulls = Nulls.FAIL)
        void setVersion(String version) {
            this.version = version;
        }
    }

    /** A CSV body with status 200, as a download. */
    public void okCsv(Exchange exchange) {
        var message = exchange.getMessage();
        String body = message.getBody(String.class);
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "text/csv; charset=utf-8");
        message.setHeader("Content-Disposition", "attachment; filename=\"audit-events.csv\"");
        message.setHeader(REQUEST_ID, exchange.getProperty(REQUEST_ID_PROPERTY, String.class));
        message.setBody(body);
    }

    /** Any answer object (maps, lists, records) as JSON with status 200. */
    public void ok(Exchange exchange) throws Exception {
        respond(exchange, 200, exchange.getIn().getBody(), Map.of());
    }

    /**
     * The answer to an inference request, status 200: JSON, or in the binary tensor data
     * extension's form the JSON header then the output's bytes, the header's length in
     * {@value InferenceProtocol#HEADER_LENGTH}.
     */
    public void okInference(Exchange exchange) throws Exception {
        if (!(exchange.getIn().getBody() instanceof InferenceProtocol.BinaryAnswer answer)) {
            ok(exchange);
            return;
        }
        byte[] header = json.writeValueAsBytes(answer.header());
        byte[] body = Arrays.copyOf(header, header.length + answer.data().length);
        System.arraycopy(answer.data(), 0, body, header.length, answer.data().length);
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/octet-stream");
        message.setHeader(InferenceProtocol.HEADER_LENGTH, header.length);
        message.setHeader(REQUEST_ID, exchange.getProperty(REQUEST_ID_PROPERTY, String.class));
        message.setBody(body);
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

    /** A 405 naming the methods the path takes (also in {@code Allow}) for any other. */
    private static void requireMethod(Exchange exchange, String... allowed) {
        String method = exchange.getIn().getHeader(Exchange.HTTP_METHOD, String.class);
        if (!java.util.Arrays.asList(allowed).contains(method)) {
            exchange.setProperty(ALLOW_PROPERTY, String.join(", ", allowed));
            throw new InvalidRequestException(405, "method_not_allowed",
                    method + " is not allowed here; use " + String.join(" or ", allowed));
        }
    }

    private static void requireJson(Exchange exchange) {
        String contentType = exchange.getIn().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new InvalidRequestException(415, "unsupported_media_type",
                    "send the body as Content-Type: application/json, not " + (contentType == null ? "nothing" : contentType));
        }
    }

    /**
     * The {@code http-idempotency-key} step: the client's {@code Idempotency-Key} (1-128 letters,
     * digits or . _ : -) goes on every task, so that a retried request is audited once.
     */
    @SuppressWarnings("unchecked")
    public void idempotencyKey(Exchange exchange) {
        String key = idempotencyKeyOf(exchange);
        if (key == null) {
            return;
        }
        for (PredictionTask task : (List<PredictionTask>) exchange.getIn().getBody(List.class)) {
            task.idempotencyKey(key);
        }
    }

    /** The request's {@code Idempotency-Key}, or null; one outside 1-128 letters, digits, {@code . _ : -} is a 400. */
    static String idempotencyKeyOf(Exchange exchange) {
        String key = exchange.getIn().getHeader(IdempotentAnswers.HEADER, String.class);
        if (key != null && !isSafeId(key)) {
            throw InvalidRequestException.badRequest("invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 128 letters, digits or . _ : -");
        }
        return key;
    }

    /** The caller's request id when it is safe to log and echo, otherwise a new one. */
    public static String requestIdFor(String offered) {
        return isSafeId(offered) ? offered : newRequestId();
    }

    /**
     * A random (version 4) UUID from {@link ThreadLocalRandom}: a request id correlates, it guards
     * nothing, and {@code UUID.randomUUID()} takes the JVM-wide lock of {@code SecureRandom}, where
     * requests were seen waiting for one another (docs/performance.md, the cached path).
     */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xF000L | 0x4000L;
        long low = random.nextLong() & ~(0xC000L << 48) | (0x8000L << 48);
        return new UUID(high, low).toString();
    }

    /** Whether an id may be logged and echoed: 1-128 letters, digits, {@code . _ : -}. */
    public static boolean isSafeId(String id) {
        return id != null && SAFE_ID.matcher(id).matches();
    }

    /** The answer to {@code /predict}: the one result. */
    public void single(Exchange exchange) throws Exception {
        List<?> tasks = exchange.getIn().getBody(List.class);
        respond(exchange, 200, answers.result((PredictionTask) tasks.get(0)), Map.of());
    }

    /** The answer to {@code /predict/batch}: every result, in the request's order. */
    @SuppressWarnings("unchecked")
    public void batch(Exchange exchange) throws Exception {
        respond(exchange, 200, answers.results(exchange.getProperty(REQUEST_ID_PROPERTY, String.class),
                exchange.getIn().getBody(List.class)), Map.of());
    }

    /**
     * The error answer, from the exception the route caught: a 4xx for what the caller can fix, a
     * 503 with Retry-After for overload, a 504 for a timeout; never a stack trace.
     */
    public void error(Exchange exchange) throws Exception {
        fail(exchange, (failure, requestId) -> answers.errorBody(failure.code(), failure.message(), requestId));
    }

    /**
     * The error answer of the Open Inference Protocol routes: the same statuses and headers, in the
     * protocol's shape {@code {"error": "<message>"}}.
     */
    public void inferenceError(Exchange exchange) throws Exception {
        fail(exchange, (failure, requestId) -> answers.inferenceErrorBody(failure.message()));
    }

    private void fail(Exchange exchange, BiFunction<Failure, String, Object> body) throws Exception {
        Failure failure = failures.recorded(exchange);
        String requestId = exchange.getProperty(REQUEST_ID_PROPERTY, String.class);
        Map<String, Object> headers = new LinkedHashMap<>();
        if (failure.retryAfter() != null) {
            headers.put("Retry-After", Math.max(1, failure.retryAfter().toSeconds()));
        }
        if (failure.status() == 405 && exchange.getProperty(ALLOW_PROPERTY) != null) {
            headers.put("Allow", exchange.getProperty(ALLOW_PROPERTY));
        }
        respond(exchange, failure.status(), body.apply(failure, requestId), headers);
    }

    /**
     * A readiness answer of the Open Inference Protocol ({@code {"ready": ...}}, maybe more): 200
     * when ready, else 400; the protocol says a 4xx, and 400 is Triton's.
     */
    public void health(Exchange exchange) throws Exception {
        readiness(exchange, 400);
    }

    /**
     * A model's readiness answer ({@code {"name": ..., "ready": ...}}): 200 when ready, else 404,
     * the protocol's 4xx for "not ready": a version that is not loaded is not there to serve.
     */
    public void modelHealth(Exchange exchange) throws Exception {
        readiness(exchange, 404);
    }

    private void readiness(Exchange exchange, int notReady) throws Exception {
        InferenceMessages.Readiness body = exchange.getIn().getBody(InferenceMessages.Readiness.class);
        respond(exchange, body.ready() ? 200 : notReady, body, Map.of());
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
