package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.audit.AuditRecord;
import dev.modelapi.ensemble.EnsembleProperties;
import dev.modelapi.model.ModelRegistry;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;

/**
 * The Open Inference Protocol (KServe v2) REST API against the real demo models: requests written
 * as the specification's examples show them (with the text input as BYTES), answered with the same
 * probabilities as {@code /api/v1/predict}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "modelapi.api.max-batch-texts=4")
public class InferenceProtocolTest {

    public static final String SPAM = "Subject: You have WON a FREE cruise\n\nClaim your prize now, click here";
    /**
     * The specification's inference request example, its inputs replaced by the one text input
     * (two texts) and its output by "probabilities", with room for that output's parameters.
     */
    static final String EXAMPLE = """
            {
              "id" : "42",
              "inputs" : [
                {
                  "name" : "text",
                  "shape" : [ 2 ],
                  "datatype" : "BYTES",
                  "data" : [ "%s", "%s" ]
                }
              ],
              "outputs" : [
                {
                  "name" : "probabilities"%s
                }
              ]
            }""";
    public static final String HAM = "Subject: minutes of Tuesday's meeting\n\nAttached are the notes; comments by Friday please.";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    ModelRegistry registry;

    @Autowired
    EnsembleProperties ensembles;

    @Autowired
    BuildProperties build;

    @Autowired
    AuditQueries audit;

    @Test
    void shouldDescribeTheServerWithTheProjectVersionAndTheClassificationExtension() throws Exception {
        ResponseEntity<String> response = http.getForEntity("/v2", String.class);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode metadata = json.readTree(response.getBody());
        assertThat(metadata.get("name").asText()).isEqualTo("model-api-service");
        assertThat(metadata.get("version").asText()).isEqualTo(build.getVersion());
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<version>" + build.getVersion() + "</version>");
        assertThat(metadata.get("extensions")).isEqualTo(json.readTree("[\"classification\", \"binary_tensor_data\"]"));
    }

    @Test
    void shouldBeLiveAndReadyWithTheDemoModelsLoaded() throws Exception {
        ResponseEntity<String> live = http.getForEntity("/v2/health/live", String.class);
        ResponseEntity<String> ready = http.getForEntity("/v2/health/ready", String.class);

        assertThat(live.getStatusCode().value()).isEqualTo(200);
        assertThat(json.readTree(live.getBody()).get("live").asBoolean()).isTrue();
        assertThat(ready.getStatusCode().value()).isEqualTo(200);
        assertThat(json.readTree(ready.getBody()).get("ready").asBoolean()).isTrue();
    }

    @Test
    void shouldDescribeAModelAndOneOfItsVersions() throws Exception {
        String tensors = """
                {"inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
                 "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 2]}]}""";
        for (String path : List.of("/v2/models/spam-roberta", "/v2/models/spam-roberta/versions/1")) {
            ResponseEntity<String> response = http.getForEntity(path, String.class);

            assertThat(response.getStatusCode().value()).as(path + ": " + response.getBody()).isEqualTo(200);
            JsonNode metadata = json.readTree(response.getBody());
            assertThat(metadata.get("name").asText()).isEqualTo("spam-roberta");
            assertThat(metadata.get("versions")).isEqualTo(json.readTree("[\"1\"]"));
            assertThat(metadata.get("platform").asText()).isEqualTo("pytorch_torchscript");
            assertThat(metadata.get("inputs")).isEqualTo(json.readTree(tensors).get("inputs"));
            assertThat(metadata.get("outputs")).isEqualTo(json.readTree(tensors).get("outputs"));
            assertThat(metadata.get("parameters").get("labels").asText())
                    .isEqualTo(String.join(",", labelsOf("spam-roberta")));
        }
    }

    @Test
    void shouldDescribeANamedEnsembleAsAModelWithoutVersions() throws Exception {
        ResponseEntity<String> response = http.getForEntity("/v2/models/spam-default", String.class);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode metadata = json.readTree(response.getBody());
        assertThat(metadata.get("name").asText()).isEqualTo("spam-default");
        assertThat(metadata.has("versions")).isFalse();
        assertThat(metadata.get("platform").asText()).isEqualTo("ensemble");
        assertThat(metadata.get("outputs").get(0).get("shape")).isEqualTo(json.readTree("[-1, 2]"));
        assertThat(metadata.get("parameters").get("models").asText())
                .isEqualTo("spam-distilbert,spam-roberta,spam-deberta");
    }

    @Test
    void shouldTellWhetherAModelVersionOrEnsembleIsReady() throws Exception {
        for (String path : List.of("/v2/models/spam-roberta/ready", "/v2/models/spam-roberta/versions/1/ready",
                "/v2/models/spam-default/ready")) {
            ResponseEntity<String> response = http.getForEntity(path, String.class);

            assertThat(response.getStatusCode().value()).as(path).isEqualTo(200);
            assertThat(json.readTree(response.getBody()).get("ready").asBoolean()).isTrue();
        }
        for (String path : List.of("/v2/models/no-such-model/ready", "/v2/models/spam-roberta/versions/99/ready",
                "/v2/models/spam-default/versions/1/ready", "/v2/models/no-such-model",
                "/v2/models/spam-roberta/versions/99")) {
            assertError(http.getForEntity(path, String.class), 404);
        }
    }

    @Test
    void shouldRunANamedEnsembleAddressedAsAModelWithThePredictApisProbabilities() throws Exception {
        ResponseEntity<String> response = post("/v2/models/spam-default/infer",
                EXAMPLE.formatted(escape(SPAM), escape(HAM), ""), null);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        JsonNode answer = json.readTree(response.getBody());
        assertThat(answer.get("model_name").asText()).isEqualTo("spam-default");
        assertThat(answer.has("model_version")).isFalse();
        assertThat(answer.get("id").asText()).isEqualTo("42");
        assertThat(answer.get("outputs")).hasSize(1);
        JsonNode output = answer.get("outputs").get(0);
        assertThat(output.get("name").asText()).isEqualTo("probabilities");
        assertThat(output.get("datatype").asText()).isEqualTo("FP32");
        assertThat(output.get("shape")).isEqualTo(json.readTree("[2, 2]"));
        assertThat(output.get("data")).hasSize(4);

        JsonNode predicted = v1Batch(Map.of("texts", List.of(SPAM, HAM), "ensemble", "spam-default"));
        Map<String, Double> weights = ensembles.named().get("spam-default").weights();
        List<String> labels = labelsOf("spam-roberta");
        for (int text = 0; text < 2; text++) {
            JsonNode result = predicted.get("results").get(text);
            for (int label = 0; label < labels.size(); label++) {
                double weighted = 0;
                double total = 0;
                for (JsonNode model : result.get("models")) {
                    double weight = weights.get(model.get("name").asText());
                    weighted += weight * model.get("probabilities").get(labels.get(label)).asDouble();
                    total += weight;
                }
                double v2 = output.get("data").get(text * labels.size() + label).asDouble();
                assertThat(v2).as("text %d, label %s", text, labels.get(label)).isCloseTo(weighted / total, within(1e-6));
                if (labels.get(label).equals(result.get("label").asText())) {
                    assertThat(v2).isCloseTo(result.get("score").asDouble(), within(1e-6));
                }
            }
        }
        assertThat(output.get("data").get(labels.indexOf("spam")).asDouble()).isGreaterThan(0.5);
    }

    @Test
    void shouldRunOneVersionOfAModelWithNestedDataAndAuditEveryText() throws Exception {
        String requestId = "v2-version-" + UUID.randomUUID();
        String ham = HAM + " " + UUID.randomUUID();
        String request = """
                {
                  "inputs" : [
                    {
                      "name" : "text",
                      "shape" : [ 2, 1 ],
                      "datatype" : "BYTES",
                      "data" : [ [ "%s" ], [ "%s" ] ]
                    }
                  ]
                }""".formatted(escape(SPAM), escape(ham));

        ResponseEntity<String> response = post("/v2/models/spam-roberta/versions/1/infer", request, requestId);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        assertThat(response.getHeaders().getFirst("X-Request-ID")).isEqualTo(requestId);
        JsonNode answer = json.readTree(response.getBody());
        assertThat(answer.get("model_name").asText()).isEqualTo("spam-roberta");
        assertThat(answer.get("model_version").asText()).isEqualTo("1");
        assertThat(answer.get("id").asText()).isEqualTo(requestId);
        JsonNode output = answer.get("outputs").get(0);
        assertThat(output.get("shape")).isEqualTo(json.readTree("[2, 2]"));
        JsonNode predicted = v1Batch(Map.of("texts", List.of(SPAM, ham), "models", List.of("spam-roberta:1")));
        List<String> labels = labelsOf("spam-roberta");
        for (int text = 0; text < 2; text++) {
            JsonNode own = predicted.get("results").get(text).get("models").get(0).get("probabilities");
            for (int label = 0; label < labels.size(); label++) {
                assertThat(output.get("data").get(text * labels.size() + label).asDouble())
                        .isCloseTo(own.get(labels.get(label)).asDouble(), within(1e-6));
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> audit.countByRequestId(requestId) == 2);
        assertThat(audit.findByRequestId(requestId)).extracting(AuditRecord::channel).containsOnly("http");
    }

    @Test
    void shouldAnswerTheBestClassesWithTheClassificationExtension() throws Exception {
        JsonNode tensor = json.readTree(post("/v2/models/spam-roberta/infer",
                EXAMPLE.formatted(escape(SPAM), escape(HAM), ""), null).getBody()).get("outputs").get(0).get("data");
        List<String> labels = labelsOf("spam-roberta");

        for (int asked = 1; asked <= labels.size() + 1; asked++) {
            int classes = Math.min(asked, labels.size()); // more than the labels gives them all
            // the classification extension's example: the parameter on the requested output
            String classification = ",\n      \"parameters\" : { \"classification\" : " + asked + " }";
            ResponseEntity<String> response = post("/v2/models/spam-roberta/infer",
                    EXAMPLE.formatted(escape(SPAM), escape(HAM), classification), null);

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
            JsonNode output = json.readTree(response.getBody()).get("outputs").get(0);
            assertThat(output.get("name").asText()).isEqualTo("probabilities");
            assertThat(output.get("datatype").asText()).isEqualTo("BYTES");
            assertThat(output.get("shape")).isEqualTo(json.readTree("[2, " + classes + "]"));
            assertThat(output.get("data")).hasSize(2 * classes);
            for (int text = 0; text < 2; text++) {
                float previous = Float.MAX_VALUE;
                for (int rank = 0; rank < classes; rank++) {
                    String[] parts = output.get("data").get(text * classes + rank).asText().split(":");
                    assertThat(parts).hasSize(3); // <value>:<index>:<label>
                    int index = Integer.parseInt(parts[1]);
                    float value = Float.parseFloat(parts[0]);
                    assertThat(parts[2]).isEqualTo(labels.get(index));
                    assertThat(value).isEqualTo(tensor.get(text * labels.size() + index).floatValue());
                    assertThat(value).isLessThanOrEqualTo(previous);
                    previous = value;
                }
            }
        }
    }

    @Test
    void shouldTakeAndGiveBinaryTensorDataAsTheExtensionDefinesIt() throws Exception {
        List<String> texts = List.of(SPAM, HAM + " ünïcödé ✓");
        JsonNode asJson = json.readTree(post("/v2/models/spam-roberta/infer", inputs("text", "[2]", "BYTES",
                json.writeValueAsString(texts)), null).getBody()).get("outputs").get(0);
        String header = """
                {"id": "binary-1",
                 "inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "parameters": {"binary_data_size": %d}}],
                 "parameters": {"binary_data_output": true}}""".formatted(bytesElements(texts).length);

        HttpResponse<byte[]> response = postBinary("/v2/models/spam-roberta/infer", header, bytesElements(texts), Map.of());

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode answer = json.readTree(new String(response.body(), 0, jsonLength, StandardCharsets.UTF_8));
        assertThat(answer.get("id").asText()).isEqualTo("binary-1");
        JsonNode output = answer.get("outputs").get(0);
        assertThat(output.has("data")).isFalse();
        assertThat(output.get("datatype").asText()).isEqualTo("FP32");
        assertThat(output.get("shape")).isEqualTo(json.readTree("[2, 2]"));
        assertThat(output.get("parameters").get("binary_data_size").asInt()).isEqualTo(4 * 4)
                .isEqualTo(response.body().length - jsonLength);
        ByteBuffer floats = ByteBuffer.wrap(response.body(), jsonLength, 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            assertThat(floats.getFloat()).as("element %d", i).isCloseTo(asJson.get("data").get(i).floatValue(), within(1e-5f));
        }
    }

    @Test
    void shouldAnswerTheClassificationExtensionAsBinaryBytesWhenAskedPerOutput() throws Exception {
        List<String> texts = List.of(SPAM, HAM);
        String header = """
                {"inputs": [{"name": "text", "shape": [2, 1], "datatype": "BYTES", "parameters": {"binary_data_size": %d}}],
                 "outputs": [{"name": "probabilities", "parameters": {"classification": 1, "binary_data": true}}]}"""
                .formatted(bytesElements(texts).length);

        HttpResponse<byte[]> response = postBinary("/v2/models/spam-default/infer", header, bytesElements(texts),
                Map.of("Content-Type", "application/json"));

        assertThat(response.statusCode()).isEqualTo(200);
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode output = json.readTree(new String(response.body(), 0, jsonLength, StandardCharsets.UTF_8))
                .get("outputs").get(0);
        assertThat(output.get("datatype").asText()).isEqualTo("BYTES");
        assertThat(output.get("shape")).isEqualTo(json.readTree("[2, 1]"));
        ByteBuffer elements = ByteBuffer.wrap(response.body(), jsonLength, response.body().length - jsonLength)
                .order(ByteOrder.LITTLE_ENDIAN);
        List<String> classes = new ArrayList<>();
        while (elements.hasRemaining()) {
            byte[] element = new byte[elements.getInt()];
            elements.get(element);
            classes.add(new String(element, StandardCharsets.UTF_8));
        }
        JsonNode asJson = json.readTree(post("/v2/models/spam-default/infer", EXAMPLE.formatted(escape(SPAM), escape(HAM),
                ",\n \"parameters\" : { \"classification\" : 1 }"), null).getBody()).get("outputs").get(0).get("data");
        assertThat(classes).hasSize(2);
        for (int text = 0; text < 2; text++) {
            String[] binary = classes.get(text).split(":");
            String[] plain = asJson.get(text).asText().split(":");
            assertThat(binary[1] + ":" + binary[2]).isEqualTo(plain[1] + ":" + plain[2]);
            assertThat(Float.parseFloat(binary[0])).isCloseTo(Float.parseFloat(plain[0]), within(1e-5f));
        }
    }

    @Test
    void shouldReadARequestBodySentGzipOrDeflateCompressed() throws Exception {
        String body = inputs("text", "[1]", "BYTES", json.writeValueAsString(List.of(SPAM)));
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gzip)) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream deflate = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(deflate)) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
        JsonNode plain = json.readTree(post("/v2/models/spam-roberta/infer", body, null).getBody());

        for (var sent : Map.of("gzip", gzip.toByteArray(), "deflate", deflate.toByteArray()).entrySet()) {
            HttpResponse<byte[]> response = send("/v2/models/spam-roberta/infer", sent.getValue(),
                    Map.of("Content-Type", "application/json", "Content-Encoding", sent.getKey()));

            assertThat(response.statusCode()).as(sent.getKey()).isEqualTo(200);
            assertThat(json.readTree(response.body()).get("outputs").get(0).get("data").get(0).floatValue())
                    .isCloseTo(plain.get("outputs").get(0).get("data").get(0).floatValue(), within(1e-5f));
        }
        assertBinaryError(send("/v2/models/spam-roberta/infer", body.getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/json", "Content-Encoding", "br")), 415);
        assertBinaryError(send("/v2/models/spam-roberta/infer", body.getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "application/json", "Content-Encoding", "gzip")), 400);
    }

    static List<Arguments> badBinaryRequests() {
        byte[] two = bytesElements(List.of("one", "two"));
        String header = "{\"inputs\": [{\"name\": \"text\", \"shape\": [2], \"datatype\": \"BYTES\", "
                + "\"parameters\": {\"binary_data_size\": %s}}]%s}";
        byte[] cut = Arrays.copyOf(two, two.length - 1);
        byte[] notUtf8 = {2, 0, 0, 0, (byte) 0xC3, (byte) 0x28, 1, 0, 0, 0, 'x'};
        byte[] tooLong = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F, 'x'};
        byte[] halfLength = {3, 0, 0, 0, 'o', 'n', 'e', 3, 0};
        return List.of(
                Arguments.of("header not a number", header.formatted(two.length, ""), two, "12abc", 400),
                Arguments.of("header past the body", header.formatted(two.length, ""), two, "100000", 400),
                Arguments.of("negative header", header.formatted(two.length, ""), two, "-1", 400),
                Arguments.of("size not the bytes sent", header.formatted(two.length + 1, ""), two, null, 400),
                Arguments.of("size not a number", header.formatted("\"ten\"", ""), two, null, 400),
                Arguments.of("element cut short", header.formatted(cut.length, ""), cut, null, 400),
                Arguments.of("length past the end", header.formatted(tooLong.length, ""), tooLong, null, 400),
                Arguments.of("length cut short", header.formatted(halfLength.length, ""), halfLength, null, 400),
                Arguments.of("not UTF-8", header.formatted(notUtf8.length, ""), notUtf8, null, 400),
                Arguments.of("more elements than the shape", header.replace("[2]", "[1]").formatted(two.length, ""), two,
                        null, 400),
                Arguments.of("bytes but no binary_data_size", inputs("text", "[1]", "BYTES", "[\"a\"]"), two, null, 400),
                Arguments.of("data and binary_data_size", "{\"inputs\": [{\"name\": \"text\", \"shape\": [2], "
                        + "\"datatype\": \"BYTES\", \"data\": [\"a\", \"b\"], \"parameters\": {\"binary_data_size\": "
                        + two.length + "}}]}", two, null, 400),
                Arguments.of("binary_data_output not a boolean",
                        header.formatted(two.length, ", \"parameters\": {\"binary_data_output\": \"yes\"}"), two, null, 400),
                Arguments.of("binary_data not a boolean", header.formatted(two.length,
                        ", \"outputs\": [{\"name\": \"probabilities\", \"parameters\": {\"binary_data\": 1}}]"), two,
                        null, 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBinaryRequests")
    void shouldRefuseMalformedBinaryTensorDataWithA4xxInTheProtocolsErrorShape(String what, String header,
            byte[] binary, String headerLength, int status) throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(json, json.length + binary.length);
        System.arraycopy(binary, 0, body, json.length, binary.length);

        HttpResponse<byte[]> response = send("/v2/models/spam-roberta/infer", body, Map.of("Content-Type",
                "application/octet-stream", "Inference-Header-Content-Length",
                headerLength != null ? headerLength : Integer.toString(json.length)));

        assertBinaryError(response, status);
    }

    /** BYTES elements as the binary tensor data extension lays them out: a 4-byte little-endian length, then UTF-8. */
    public static byte[] bytesElements(List<String> texts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String text : texts) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            bytes.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(utf8.length).array());
            bytes.writeBytes(utf8);
        }
        return bytes.toByteArray();
    }

    private HttpResponse<byte[]> postBinary(String path, String header, byte[] binary, Map<String, String> headers)
            throws Exception {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(json, json.length + binary.length);
        System.arraycopy(binary, 0, body, json.length, binary.length);
        Map<String, String> all = new java.util.HashMap<>(Map.of("Content-Type", "application/octet-stream"));
        all.putAll(headers);
        all.put("Inference-Header-Content-Length", Integer.toString(json.length));
        return send(path, body, all);
    }

    private HttpResponse<byte[]> send(String path, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(http.getRootUri() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private void assertBinaryError(HttpResponse<byte[]> response, int status) throws Exception {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.statusCode()).as(body).isEqualTo(status);
        assertThat(response.headers().firstValue("X-Request-ID")).isNotEmpty();
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(json.readTree(body).get("error").isTextual()).as(body).isTrue();
        assertThat(body).doesNotContain("Exception");
    }

    /** A request with one input tensor, its parts as JSON text. */
    static String inputs(String name, String shape, String datatype, String data) {
        return "{\"inputs\": [{\"name\": \"" + name + "\", \"shape\": " + shape + ", \"datatype\": \"" + datatype
                + "\", \"data\": " + data + "}]}";
    }

    static List<Arguments> badRequests() {
        String tensor = "{\"name\": \"text\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"hello\"]}";
        String text = "{\"inputs\": [" + tensor + "]}";
        String withOutputs = "{\"inputs\": [" + tensor + "], \"outputs\": ";
        String infer = "/v2/models/spam-roberta/infer";
        return List.of(
                Arguments.of("bad datatype", infer, inputs("text", "[1]", "FP32", "[1.0]"), 400),
                Arguments.of("wrong shape [2, 2]", infer, inputs("text", "[2, 2]", "BYTES", "[\"a\", \"b\", \"c\", \"d\"]"), 400),
                Arguments.of("shape [3], 2 elements", infer, inputs("text", "[3]", "BYTES", "[\"a\", \"b\"]"), 400),
                Arguments.of("nesting against the shape", infer, inputs("text", "[2, 1]", "BYTES", "[[\"a\", \"b\"]]"), 400),
                Arguments.of("negative shape", infer, inputs("text", "[-1]", "BYTES", "[\"a\"]"), 400),
                Arguments.of("no shape", infer, "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"data\": [\"a\"]}]}", 400),
                Arguments.of("not strings", infer, inputs("text", "[1]", "BYTES", "[7]"), 400),
                Arguments.of("empty text", infer, inputs("text", "[1]", "BYTES", "[\" \"]"), 400),
                Arguments.of("missing inputs", infer, "{\"id\": \"42\"}", 400),
                Arguments.of("no input", infer, "{\"inputs\": []}", 400),
                Arguments.of("another input", infer, inputs("input0", "[1]", "BYTES", "[\"a\"]"), 400),
                Arguments.of("two inputs", infer, "{\"inputs\": [" + tensor + ", " + tensor + "]}", 400),
                Arguments.of("another output", infer, withOutputs + "[{\"name\": \"output0\"}]}", 400),
                Arguments.of("classification 0", infer,
                        withOutputs + "[{\"name\": \"probabilities\", \"parameters\": {\"classification\": 0}}]}", 400),
                Arguments.of("numeric id", infer, "{\"id\": 42, \"inputs\": [" + tensor + "]}", 400),
                Arguments.of("parameters not an object", infer, "{\"parameters\": 1, \"inputs\": [" + tensor + "]}", 400),
                Arguments.of("not JSON", infer, "{\"inputs\": [", 400),
                Arguments.of("not an object", infer, "[1, 2]", 400),
                Arguments.of("empty body", infer, "", 400),
                Arguments.of("too many texts", infer,
                        inputs("text", "[5]", "BYTES", "[\"a\", \"b\", \"c\", \"d\", \"e\"]"), 400),
                Arguments.of("unknown model", "/v2/models/no-such-model/infer", text, 404),
                Arguments.of("unknown version", "/v2/models/spam-roberta/versions/99/infer", text, 404),
                Arguments.of("ensemble version", "/v2/models/spam-default/versions/1/infer", text, 404));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void shouldRefuseBadInferenceRequestsWithA4xxInTheProtocolsErrorShape(String what, String path, String body,
            int status) throws Exception {
        assertError(post(path, body, null), status);
    }

    @Test
    void shouldRefuseOtherContentTypesAndMethodsInTheProtocolsErrorShape() throws Exception {
        String body = "{\"inputs\": [{\"name\": \"text\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"hi\"]}]}";
        for (String contentType : List.of("text/plain", "application/x-www-form-urlencoded")) {
            HttpHeaders headers = new HttpHeaders();
            headers.set(HttpHeaders.CONTENT_TYPE, contentType);
            assertError(http.exchange("/v2/models/spam-roberta/infer", HttpMethod.POST, new HttpEntity<>(body, headers),
                    String.class), 415);
        }

        ResponseEntity<String> get = http.getForEntity("/v2/models/spam-roberta/infer", String.class);

        assertError(get, 405);
        assertThat(get.getHeaders().getFirst("Allow")).isEqualTo("POST");
    }

    @Test
    void shouldTakeAnInferenceRequestSentWithoutAContentType() throws Exception {
        String body = "{\"inputs\": [{\"name\": \"text\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"hi\"]}]}";

        // java.net.http sends no Content-Type unless told to (RestTemplate would add one)
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.getRootUri() + "/v2/models/spam-roberta/infer"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(request.headers().firstValue("Content-Type")).isEmpty();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private void assertError(ResponseEntity<String> response, int status) throws Exception {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getFirst("X-Request-ID")).isNotBlank();
        JsonNode body = json.readTree(response.getBody());
        List<String> fields = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            fields.add(names.next());
        }
        assertThat(fields).containsExactly("error");
        assertThat(body.get("error").isTextual()).isTrue();
        assertThat(response.getBody()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private ResponseEntity<String> post(String path, String body, String requestId) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        if (requestId != null) {
            headers.set("X-Request-ID", requestId);
        }
        return http.exchange(path, HttpMethod.POST, new HttpEntity<>(body, headers), String.class);
    }

    private JsonNode v1Batch(Map<String, Object> request) throws Exception {
        ResponseEntity<String> response = post("/api/v1/predict/batch", json.writeValueAsString(request), null);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }

    private List<String> labelsOf(String model) {
        return registry.find(model).orElseThrow().labels();
    }

    private String escape(String text) throws Exception {
        String quoted = json.writeValueAsString(text);
        return quoted.substring(1, quoted.length() - 1);
    }
}
