package dev.modelapi.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleProperties;
import dev.modelapi.ensemble.EnsembleResolver;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ensemble.Votes;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.errors.ModelUnavailableException;
import dev.modelapi.ingest.InferenceMessages.InferRequest;
import dev.modelapi.ingest.InferenceMessages.InferResponse;
import dev.modelapi.ingest.InferenceMessages.InputTensor;
import dev.modelapi.ingest.InferenceMessages.Live;
import dev.modelapi.ingest.InferenceMessages.ModelMetadata;
import dev.modelapi.ingest.InferenceMessages.ModelReady;
import dev.modelapi.ingest.InferenceMessages.OutputParameters;
import dev.modelapi.ingest.InferenceMessages.OutputTensor;
import dev.modelapi.ingest.InferenceMessages.RequestedOutput;
import dev.modelapi.ingest.InferenceMessages.ServerMetadata;
import dev.modelapi.ingest.InferenceMessages.ServerReady;
import dev.modelapi.ingest.InferenceMessages.TensorMetadata;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.TextClassifier;
import dev.modelapi.pipeline.PredictionTask;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path;
import jakarta.validation.Validator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.info.BuildProperties;
import org.springframework.stereotype.Component;

/**
 * The Open Inference Protocol (KServe v2) REST API on the shared pipeline: server and model
 * metadata, readiness, and inference requests ({@link InferenceMessages}) read into
 * {@link PredictionTask}s and answered as tensors. A named ensemble is addressed as a model; a model name alone is an ensemble of one.
 */
@Component("inferenceProtocol")
public class InferenceProtocol {

    /** Where the protocol's paths start; errors under it take the protocol's shape. */
    public static final String PATH = "/v2";
    /** The one input tensor: the texts, BYTES elements given as JSON strings. */
    static final String INPUT = "text";
    /** The one output tensor: each text's combined probability per label, in label-id order. */
    static final String OUTPUT = "probabilities";
    /** The output parameter of the classification extension: how many classes, best first. */
    static final String CLASSIFICATION = "classification";
    /** The binary tensor data extension: its name, and the header giving the length of the body's JSON part. */
    public static final String BINARY_EXTENSION = "binary_tensor_data";
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    /** The bytes after a request's JSON header (a {@link ByteBuffer}), when it has them. */
    public static final String BINARY_PROPERTY = "inferenceBinary";
    private static final String BINARY_SIZE = "binary_data_size";
    private static final String REQUEST_PROPERTY = "inferenceRequest";

    private final PredictRequests bodies;
    private final ObjectMapper strict;
    private final Validator validator;
    private final ModelRegistry registry;
    private final EnsembleResolver ensembles;
    private final EnsembleProperties ensembleSettings;
    private final ApiProperties limits;
    private final CamelContext camel;
    private final String serverName;
    private final String serverVersion;

    public InferenceProtocol(PredictRequests bodies, ObjectMapper json, Validator validator, ModelRegistry registry,
            EnsembleResolver ensembles, EnsembleProperties ensembleSettings, ApiProperties limits, CamelContext camel,
            @Value("${spring.application.name}") String serverName, ObjectProvider<BuildProperties> build) {
        this.bodies = bodies;
        this.strict = PredictRequests.strict(json);
        this.validator = validator;
        this.registry = registry;
        this.ensembles = ensembles;
        this.ensembleSettings = ensembleSettings;
        this.limits = limits;
        this.camel = camel;
        this.serverName = serverName;
        BuildProperties info = build.getIfAvailable();
        this.serverVersion = info != null ? info.getVersion() : "unknown";
    }

    /**
     * What the answer needs from the request.
     *
     * @param id the request's {@code id}, else the request id, echoed in the answer
     * @param model the model or ensemble as the path names it
     * @param ensemble whether it is a named ensemble (which has no version)
     * @param labels the labels in label-id order: the output's second dimension
     * @param classification the classification extension's count of classes, or 0 for the probabilities
     * @param binary whether the output goes as bytes after the JSON (the binary tensor data extension)
     */
    record InferenceRequest(String id, String model, boolean ensemble, List<String> labels, int classification,
            boolean binary) {
    }

    /** What the request asks of its one output. */
    private record OutputRequest(int classification, boolean binary) {
    }

    /**
     * An answer in the binary tensor data extension's form: the JSON {@code header} (its output
     * says {@code binary_data_size} instead of {@code data}), then the output's {@code data} bytes.
     */
    public record BinaryAnswer(InferResponse header, byte[] data) {
    }

    /** Whether the request is one of the protocol's, whose body may carry binary tensor data. */
    static boolean isProtocolPath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        int start = request.getContextPath().length();
        return uri.startsWith(PATH + "/", start);
    }

    /** {@code GET /v2}: the server's name, version and extensions. */
    public ServerMetadata serverMetadata() {
        return new ServerMetadata(serverName, serverVersion, List.of(CLASSIFICATION, BINARY_EXTENSION));
    }

    /** {@code GET /v2/health/live}: answering at all is being live. */
    public Live live() {
        return new Live(true);
    }

    /** {@code GET /v2/health/ready}: the routes are started and at least one model is loaded. */
    public ServerReady serverReady() {
        return new ServerReady(camel.getStatus().isStarted() && !registry.all().isEmpty());
    }

    /**
     * {@code GET /v2/models/{model}[/versions/{version}]/ready}: a loaded model version, or a named
     * ensemble whose models are all loaded. A name or version the service does not know is a 404.
     */
    public ModelReady modelReady(String model, String version) {
        EnsembleProperties.Named named = namedEnsemble(model, version);
        boolean ready;
        if (named != null) {
            ready = named.models().stream().map(ModelRef::parse).allMatch(ref -> loaded(ref).isPresent());
        } else {
            boolean known = version == null ? registry.names().contains(model)
                    : registry.versionsOnDisk(model).contains(version) || registry.find(model, version).isPresent();
            if (!known) {
                throw notFound(model, version);
            }
            ready = loaded(new ModelRef(model, version)).isPresent();
        }
        return new ModelReady(model, ready);
    }

    /**
     * {@code GET /v2/models/{model}[/versions/{version}]}: the model's tensors. Without a version,
     * the default version's. A named ensemble has no versions and the platform {@code ensemble}.
     */
    public ModelMetadata modelMetadata(String model, String version) {
        EnsembleProperties.Named named = namedEnsemble(model, version);
        List<String> labels;
        List<String> versions = null;
        String platform;
        Map<String, String> parameters = new LinkedHashMap<>();
        if (named != null) {
            platform = "ensemble";
            labels = named.models().stream().map(ModelRef::parse).map(this::loaded).flatMap(Optional::stream)
                    .findFirst().map(TextClassifier::labels).orElse(List.of());
            parameters.put("models", String.join(",", named.models()));
        } else {
            TextClassifier classifier = loaded(new ModelRef(model, version))
                    .orElseThrow(() -> notFound(model, version));
            versions = registry.all().stream().filter(c -> c.name().equals(model))
                    .map(TextClassifier::version).sorted(ModelRegistry.VERSION_ORDER).toList();
            platform = "pytorch_torchscript";
            labels = classifier.labels();
        }
        parameters.put("labels", String.join(",", labels));
        return new ModelMetadata(model, versions, platform,
                List.of(new TensorMetadata(INPUT, "BYTES", List.of(-1))),
                List.of(new TensorMetadata(OUTPUT, "FP32", List.of(-1, labels.isEmpty() ? -1 : labels.size()))),
                parameters);
    }

    /**
     * The {@code v2-read-request} step: an inference request into one task per text, everything the
     * caller can get wrong refused first (400; 413 past {@code modelapi.api.max-batch-texts}; 404 for
     * a model or version that is not there). The request's {@code id} becomes the request id when it
     * is one that may be logged and echoed (1-128 letters, digits, {@code . _ : -}).
     */
    public List<PredictionTask> read(Exchange exchange, String body, String model, String version, String principal) {
        return readMessage(exchange, bodies.parse(body), exchange.getProperty(BINARY_PROPERTY, ByteBuffer.class), model,
                version, principal, "http");
    }

    /**
     * An inference request, as JSON and the bytes after it ({@code binary}, or null), into one
     * task per text on {@code channel}; the checks of {@link #read(Exchange, String, String, String, String)}.
     * A name of its own: Camel chooses among a bean's methods of one name anew on every call.
     */
    public List<PredictionTask> readMessage(Exchange exchange, JsonNode body, ByteBuffer binary, String model, String version,
            String principal, String channel) {
        long received = System.nanoTime();
        InferRequest request = bind(body);
        List<String> texts = textsOf(request.inputs(), binary);
        OutputRequest output = outputOf(request.outputs(), request.parameters() != null
                && Boolean.TRUE.equals(request.parameters().binaryDataOutput()));
        int classification = output.classification();
        boolean named = namedEnsemble(model, version) != null;
        EnsembleSpec ensemble = ensembleOf(model, version, named);
        ModelRef first = ensemble.models().get(0);
        List<String> labels = registry.findForInference(first.name(), first.version()).map(TextClassifier::labels)
                .orElseThrow(() -> new ModelUnavailableException(first + " is no longer loaded"));
        // more classes than labels gives them all, as Triton's classification extension does
        classification = Math.min(classification, labels.size());
        String id = request.id();
        if (id != null && HttpExchanges.isSafeId(id)) {
            exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, id);
        }
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        exchange.setProperty(REQUEST_PROPERTY,
                new InferenceRequest(id != null ? id : requestId, model, named, labels, classification,
                        output.binary()));
        List<PredictionTask> tasks = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            tasks.add(new PredictionTask(requestId, i, channel, principal, texts.get(i), ensemble, received));
        }
        return tasks;
    }

    /** The request as its record, valid, or the 400 of its first wrong field. */
    private InferRequest bind(JsonNode body) {
        InferRequest request;
        try {
            request = strict.treeToValue(body, InferRequest.class);
        } catch (JsonMappingException e) {
            throw refused(e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                    : (Object) r.getIndex()).toList(), body);
        } catch (JsonProcessingException e) {
            throw InvalidRequestException.badRequest("malformed_json", Answers.notJson(e));
        }
        Set<ConstraintViolation<InferRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            List<List<Object>> paths = violations.stream().map(InferenceProtocol::pathOf)
                    .sorted(Comparator.comparing(Object::toString)).toList();
            throw refused(paths.get(0), body);
        }
        return request;
    }

    private static List<Object> pathOf(ConstraintViolation<?> violation) {
        List<Object> path = new ArrayList<>();
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getIndex() != null) {
                path.add(node.getIndex());
            }
            if (node.getName() != null && !node.getName().startsWith("<")) {
                path.add(node.getName());
            }
        }
        return path; // as Jackson gives it: [inputs, 0, shape, 1]
    }

    /**
     * The 400 for the field at {@code path} (field names and list indexes, as Jackson and Bean
     * Validation both give them), whichever way it was wrong; {@code body} gives what was sent.
     */
    private static InvalidRequestException refused(List<Object> path, JsonNode body) {
        Object top = path.isEmpty() ? "" : path.get(0);
        String field = path.stream().filter(String.class::isInstance).map(String.class::cast)
                .reduce((a, b) -> b).orElse("");
        String sent = sent(body, path);
        return switch (String.valueOf(top)) {
            case "id" -> InvalidRequestException.badRequest("invalid_id", "\"id\" must be a string");
            case "parameters" -> path.size() == 1 ? parametersRefused("the request")
                    : flagRefused("binary_data_output", "the request");
            case "inputs" -> switch (path.size() <= 2 ? "" : String.valueOf(path.get(2))) {
                case "" -> path.size() == 1 && body.path("inputs").isMissingNode() || body.path("inputs").isNull()
                        ? InvalidRequestException.badRequest("missing_inputs", "the request has no \"inputs\"")
                        : theOneRefused("inputs", "input", INPUT);
                case "name" -> InvalidRequestException.badRequest("invalid_inputs",
                        "the input is named \"" + INPUT + "\", not " + sent);
                case "datatype" -> datatypeRefused(sent);
                case "shape" -> shapeRefused(sent(body, path.subList(0, 3)));
                case "parameters" -> path.size() == 3 ? parametersRefused("input \"" + INPUT + "\"")
                        : InvalidRequestException.badRequest("invalid_parameters", "\"" + BINARY_SIZE + "\" of input \""
                                + INPUT + "\" must be a whole number of bytes");
                default -> InvalidRequestException.badRequest("invalid_data", "input \"" + INPUT + "\" has no \"data\" list");
            };
            case "outputs" -> switch (path.size() <= 2 ? "" : String.valueOf(path.get(2))) {
                case "" -> theOneRefused("outputs", "output", OUTPUT);
                case "name" -> InvalidRequestException.badRequest("invalid_outputs",
                        "the output is named \"" + OUTPUT + "\", not " + sent);
                default -> path.size() == 3 ? parametersRefused("output \"" + OUTPUT + "\"")
                        : "classification".equals(field) ? InvalidRequestException.badRequest("invalid_outputs",
                                "\"" + CLASSIFICATION + "\" must be a whole number of classes, 1 or more")
                        : flagRefused("binary_data", "output \"" + OUTPUT + "\"");
            };
            default -> InvalidRequestException.badRequest("malformed_json", "the body must be a JSON object");
        };
    }

    /** What the caller sent at {@code path}, as JSON, or {@code none}. */
    private static String sent(JsonNode body, List<Object> path) {
        JsonNode value = body.at("/" + String.join("/", path.stream().map(String::valueOf).toList()));
        return value.isMissingNode() ? "none" : value.toString();
    }

    private static InvalidRequestException parametersRefused(String where) {
        return InvalidRequestException.badRequest("invalid_parameters", "the \"parameters\" of " + where + " must be an object");
    }

    private static InvalidRequestException flagRefused(String parameter, String where) {
        return InvalidRequestException.badRequest("invalid_parameters",
                "\"" + parameter + "\" of " + where + " must be true or false");
    }

    private static InvalidRequestException theOneRefused(String field, String kind, String expected) {
        return InvalidRequestException.badRequest("invalid_" + field,
                "\"" + field + "\" must hold one " + kind + " tensor, \"" + expected + "\"");
    }

    private static InvalidRequestException datatypeRefused(String sent) {
        return InvalidRequestException.badRequest("invalid_datatype", "input \"" + INPUT
                + "\" must have datatype BYTES, not " + sent);
    }

    private static InvalidRequestException shapeRefused(String sent) {
        return InvalidRequestException.badRequest("invalid_shape", "input \"" + INPUT
                + "\" must have shape [N] or [N, 1], not " + sent);
    }

    /**
     * The {@code v2-answer} step: the answered tasks as the response's one output, the combined
     * probabilities {@code [N, labels]} in FP32, or with the classification extension the best
     * {@code K} classes as BYTES {@code [N, K]}, each {@code "<value>:<index>:<label>"}. As JSON, or
     * when the request asked for binary output a {@link BinaryAnswer}: FP32 little-endian, BYTES
     * each with a 4-byte little-endian length before it.
     */
    @SuppressWarnings("unchecked")
    public Object answer(Exchange exchange) {
        InferenceRequest request = exchange.getProperty(REQUEST_PROPERTY, InferenceRequest.class);
        List<PredictionTask> tasks = exchange.getIn().getBody(List.class);
        int classes = request.classification();
        List<Object> values = new ArrayList<>();
        for (PredictionTask task : tasks) {
            Map<String, Double> combined = Votes.probabilities(task.ensemble(), task.result().models());
            float[] row = new float[request.labels().size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = combined.get(request.labels().get(i)).floatValue();
            }
            if (classes == 0) {
                for (float p : row) {
                    values.add(p);
                }
            } else {
                IntStream.range(0, row.length).boxed()
                        .sorted(Comparator.comparingDouble((Integer i) -> -row[i]).thenComparing(i -> i))
                        .limit(classes)
                        .forEach(i -> values.add(row[i] + ":" + i + ":" + request.labels().get(i)));
            }
        }
        String datatype = classes == 0 ? "FP32" : "BYTES";
        List<Integer> shape = List.of(tasks.size(), classes == 0 ? request.labels().size() : classes);
        byte[] bytes = !request.binary() ? null : classes == 0 ? fp32Bytes(values)
                : lengthPrefixed(values.stream().map(v -> ((String) v).getBytes(StandardCharsets.UTF_8)).toList());
        OutputTensor output = bytes == null ? new OutputTensor(OUTPUT, datatype, shape, null, values)
                : new OutputTensor(OUTPUT, datatype, shape, Map.of(BINARY_SIZE, bytes.length), null);
        InferResponse answer = new InferResponse(request.model(),
                request.ensemble() ? null : tasks.get(0).ensemble().models().get(0).version(), request.id(),
                Map.of("degraded", tasks.stream().anyMatch(t -> t.result().degraded())), List.of(output));
        return bytes == null ? answer : new BinaryAnswer(answer, bytes);
    }

    private static byte[] fp32Bytes(List<Object> values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        values.forEach(v -> bytes.putFloat((Float) v));
        return bytes.array();
    }

    /** BYTES elements laid out as binary tensor data and raw contents want them: each a 4-byte little-endian length, then its bytes. */
    public static byte[] lengthPrefixed(List<byte[]> elements) {
        ByteBuffer bytes = ByteBuffer.allocate(elements.stream().mapToInt(e -> Integer.BYTES + e.length).sum())
                .order(ByteOrder.LITTLE_ENDIAN);
        elements.forEach(e -> bytes.putInt(e.length).put(e));
        return bytes.array();
    }

    /**
     * The texts of the one input, {@code "text"}: BYTES of shape [N] or [N, 1], its data as JSON
     * (flat or nested), or with {@code binary_data_size} the {@code binary} bytes after the JSON.
     */
    private List<String> textsOf(List<InputTensor> inputs, ByteBuffer binary) {
        if (inputs.size() != 1) {
            throw theOneRefused("inputs", "input", INPUT);
        }
        InputTensor input = inputs.get(0);
        if (!INPUT.equals(input.name())) {
            throw InvalidRequestException.badRequest("invalid_inputs", "the input is named \"" + INPUT + "\", not "
                    + (input.name() == null ? "nothing" : "\"" + input.name() + "\""));
        }
        if (!"BYTES".equals(input.datatype())) {
            throw datatypeRefused(input.datatype() == null ? "none" : "\"" + input.datatype() + "\"");
        }
        List<Long> shape = input.shape();
        if (shape.size() == 2 && shape.get(1) != 1) {
            throw shapeRefused(shape.toString());
        }
        long rows = shape.get(0);
        if (rows < 1) {
            throw InvalidRequestException.badRequest("invalid_shape", "input \"" + INPUT + "\" holds no texts");
        }
        if (rows > limits.maxBatchTexts()) {
            throw InvalidRequestException.badRequest("too_many_texts",
                    rows + " texts; at most " + limits.maxBatchTexts() + " per request");
        }
        JsonNode data = input.data() == null || input.data().isNull() ? null : input.data();
        Long binarySize = input.parameters() == null ? null : input.parameters().binaryDataSize();
        if (binarySize != null) {
            if (data != null) {
                throw InvalidRequestException.badRequest("invalid_data", "input \"" + INPUT
                        + "\" has both \"data\" and \"" + BINARY_SIZE + "\"; send one");
            }
            return binaryTexts(binarySize, binary, shape);
        }
        if (binary != null && binary.hasRemaining()) {
            throw InvalidRequestException.badRequest("invalid_data", "the body carries " + binary.remaining()
                    + " bytes after its JSON, but input \"" + INPUT + "\" has no \"" + BINARY_SIZE + "\"");
        }
        if (data == null || !data.isArray()) {
            throw InvalidRequestException.badRequest("invalid_data", "input \"" + INPUT + "\" has no \"data\" list");
        }
        List<JsonNode> elements = elementsOf(data, shape);
        if (elements.size() != rows) {
            throw InvalidRequestException.badRequest("invalid_shape", "input \"" + INPUT + "\" has shape "
                    + shape + " but " + elements.size() + " data elements");
        }
        List<String> texts = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            if (!elements.get(i).isTextual()) {
                throw InvalidRequestException.badRequest("invalid_data",
                        "element " + i + " of input \"" + INPUT + "\" is not a string");
            }
            texts.add(elements.get(i).asText());
        }
        return texts;
    }

    /**
     * The texts of a BYTES tensor sent as binary data: each a 4-byte little-endian length, then
     * that many bytes of UTF-8; {@code binary_data_size} bytes in all, exactly the bytes after the JSON.
     */
    private static List<String> binaryTexts(long size, ByteBuffer binary, List<Long> shape) {
        int available = binary == null ? 0 : binary.remaining();
        if (binary == null || size != available) {
            throw InvalidRequestException.badRequest("invalid_data", "input \"" + INPUT + "\" has " + BINARY_SIZE
                    + " " + size + " but the body carries " + available + " bytes after its JSON"
                    + (binary == null ? " (no " + HEADER_LENGTH + " header)" : ""));
        }
        ByteBuffer bytes = binary.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<String> texts = new ArrayList<>();
        var utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        while (bytes.hasRemaining()) {
            int element = texts.size();
            if (element >= shape.get(0) || bytes.remaining() < Integer.BYTES) {
                throw InvalidRequestException.badRequest("invalid_shape", "input \"" + INPUT + "\"'s binary data holds"
                        + " more than its shape " + shape + " or ends inside a length");
            }
            long length = Integer.toUnsignedLong(bytes.getInt());
            if (length > bytes.remaining()) {
                throw InvalidRequestException.badRequest("invalid_data", "element " + element + " of input \"" + INPUT
                        + "\" is " + length + " bytes long but only " + bytes.remaining() + " remain");
            }
            ByteBuffer text = bytes.slice(bytes.position(), (int) length);
            bytes.position(bytes.position() + (int) length);
            try {
                texts.add(utf8.decode(text).toString());
            } catch (CharacterCodingException e) {
                throw InvalidRequestException.badRequest("invalid_encoding",
                        "element " + element + " of input \"" + INPUT + "\" is not valid UTF-8");
            }
        }
        if (texts.size() != shape.get(0)) {
            throw InvalidRequestException.badRequest("invalid_shape", "input \"" + INPUT + "\" has shape "
                    + shape + " but " + texts.size() + " elements in its binary data");
        }
        return texts;
    }

    /** Tensor data flattened (row-major), or in its natural nesting: one list per row of an [N, 1] shape. */
    private static List<JsonNode> elementsOf(JsonNode data, List<Long> shape) {
        List<JsonNode> elements = new ArrayList<>();
        boolean nested = false;
        for (JsonNode element : data) {
            nested |= element.isArray();
        }
        if (!nested) {
            data.forEach(elements::add);
            return elements;
        }
        for (JsonNode row : data) {
            if (shape.size() != 2 || !row.isArray() || row.size() != shape.get(1) || data.size() != shape.get(0)) {
                throw InvalidRequestException.badRequest("invalid_shape", "the nesting of input \"" + INPUT
                        + "\"'s data does not match its shape " + shape);
            }
            row.forEach(elements::add);
        }
        return elements;
    }

    /**
     * The one output's count of classes (0 for the probabilities) and whether it goes as binary
     * data: its {@code binary_data} parameter, else the request's {@code binary_data_output}.
     */
    private static OutputRequest outputOf(List<RequestedOutput> outputs, boolean binaryByDefault) {
        if (outputs == null || outputs.isEmpty()) {
            return new OutputRequest(0, binaryByDefault);
        }
        if (outputs.size() != 1) {
            throw theOneRefused("outputs", "output", OUTPUT);
        }
        RequestedOutput output = outputs.get(0);
        if (!OUTPUT.equals(output.name())) {
            throw InvalidRequestException.badRequest("invalid_outputs", "the output is named \"" + OUTPUT + "\", not "
                    + (output.name() == null ? "nothing" : "\"" + output.name() + "\""));
        }
        OutputParameters parameters = output.parameters();
        Boolean binary = parameters == null ? null : parameters.binaryData();
        Integer classes = parameters == null ? null : parameters.classification();
        return new OutputRequest(classes == null ? 0 : classes, binary == null ? binaryByDefault : binary);
    }

    /** A named ensemble, or null for a model; an ensemble has no versions, and no name holds a colon. */
    private EnsembleProperties.Named namedEnsemble(String model, String version) {
        if (model == null || model.contains(":")) {
            throw notFound(model, version);
        }
        EnsembleProperties.Named named = ensembleSettings.named().get(model);
        if (named != null && version != null) {
            throw new InvalidRequestException(404, "model_not_found",
                    model + " is an ensemble, which has no versions; leave /versions/" + version + " out");
        }
        return named;
    }

    private EnsembleSpec ensembleOf(String model, String version, boolean named) {
        try {
            return named ? ensembles.resolve(model, null, null, null, null)
                    : ensembles.resolve(null, List.of(new ModelRef(model, version).toString()), null, null, null);
        } catch (InvalidRequestException e) {
            if (!"unknown_model".equals(e.code())) {
                throw e;
            }
            if (named) {
                throw new ModelUnavailableException("ensemble " + model + " is not ready: " + e.getMessage());
            }
            throw notFound(model, version);
        }
    }

    private Optional<TextClassifier> loaded(ModelRef ref) {
        return ref.version() == null ? registry.find(ref.name()) : registry.find(ref.name(), ref.version());
    }

    private static InvalidRequestException notFound(String model, String version) {
        return new InvalidRequestException(404, "model_not_found", version == null
                ? "no model or ensemble " + model + " is loaded"
                : "version " + version + " of model " + model + " is not loaded");
    }
}
