package dev.modelapi.ingest.grpc;

import dev.modelapi.ingest.InferenceProtocolTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.audit.AuditRecord;
import dev.modelapi.grpc.v2.GRPCInferenceServiceGrpc;
import dev.modelapi.grpc.v2.InferParameter;
import dev.modelapi.grpc.v2.InferTensorContents;
import dev.modelapi.grpc.v2.ModelInferRequest;
import dev.modelapi.grpc.v2.ModelInferResponse;
import dev.modelapi.grpc.v2.ModelMetadataRequest;
import dev.modelapi.grpc.v2.ModelMetadataResponse;
import dev.modelapi.grpc.v2.ModelReadyRequest;
import dev.modelapi.grpc.v2.ServerLiveRequest;
import dev.modelapi.grpc.v2.ServerMetadataRequest;
import dev.modelapi.grpc.v2.ServerReadyRequest;
import dev.modelapi.testsupport.LocalPorts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Open Inference Protocol's gRPC API against the real demo models, with API keys on: a client
 * made from the protocol's .proto (grpc-java's generated stub) calls every method; inference goes
 * through the shared pipeline (the same probabilities as {@code /api/v1/predict/batch}, audited on
 * the channel {@code grpc}); errors are the gRPC statuses that match the HTTP API's.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.security.enabled=true", "modelapi.grpc.enabled=true", "modelapi.api.max-batch-texts=4"})
public class GrpcInferenceTest {

    static final int PORT = LocalPorts.free();
    static final String KEY = "modelapi-dev-key";
    static ManagedChannel channel;

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    @DynamicPropertySource
    static void grpcPort(DynamicPropertyRegistry registry) {
        serveGrpcOn(registry, PORT);
    }

    /** The gRPC server of the test's context on a port of its own, on loopback. */
    public static void serveGrpcOn(DynamicPropertyRegistry registry, int port) {
        registry.add("modelapi.grpc.port", () -> port);
        registry.add("modelapi.grpc.host", () -> "127.0.0.1");
    }

    @BeforeAll
    static void connect() {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", PORT).usePlaintext().build();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(String key) {
        Metadata headers = new Metadata();
        if (key != null) {
            headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        }
        return GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @Test
    void shouldRecordARefusedCallAsASecurityEventWithTheCallersAddressAndNoKey() {
        String key = "grpc-guess-" + UUID.randomUUID();

        assertStatus(() -> stub(key).serverMetadata(ServerMetadataRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED);

        String keyId = dev.modelapi.securityevents.SecurityEvents.keyId(key);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM security_event WHERE key_id = ?", Integer.class, keyId) == 1);
        Map<String, Object> event = jdbc.queryForMap("SELECT * FROM security_event WHERE key_id = ?", keyId);
        assertThat(event).containsEntry("kind", "refused").containsEntry("reason", "unknown_key")
                .containsEntry("channel", "grpc").containsEntry("source", "127.0.0.1")
                .containsEntry("target", "ServerMetadata").containsEntry("status", 401);
        assertThat(event.values()).allSatisfy(value -> assertThat(String.valueOf(value)).doesNotContain(key));
    }

    @Test
    void shouldAnswerTheHealthAndMetadataCalls() {
        var api = stub(KEY);

        assertThat(api.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(api.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        var server = api.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(server.getName()).isEqualTo("model-api-service");
        assertThat(server.getExtensionsList()).containsExactly("classification");
        ModelMetadataResponse model = api.modelMetadata(ModelMetadataRequest.newBuilder().setName("spam-roberta").build());
        assertThat(model.getVersionsList()).containsExactly("1");
        assertThat(model.getPlatform()).isEqualTo("pytorch_torchscript");
        assertThat(model.getInputs(0).getName()).isEqualTo("text");
        assertThat(model.getInputs(0).getDatatype()).isEqualTo("BYTES");
        assertThat(model.getOutputs(0).getShapeList()).containsExactly(-1L, 2L);
        assertThat(api.modelMetadata(ModelMetadataRequest.newBuilder().setName("spam-default").build()).getPlatform())
                .isEqualTo("ensemble");
        assertThat(api.modelReady(ModelReadyRequest.newBuilder().setName("spam-default").build()).getReady()).isTrue();
        assertThat(api.modelReady(ModelReadyRequest.newBuilder().setName("spam-roberta").setVersion("1").build())
                .getReady()).isTrue();
        assertStatus(() -> api.modelReady(ModelReadyRequest.newBuilder().setName("no-such-model").build()),
                Status.Code.NOT_FOUND);
        // the probes need no key (modelapi.security.health-needs-key is false); the metadata does
        assertThat(stub(null).serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertStatus(() -> stub(null).serverMetadata(ServerMetadataRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED);
    }

    @Test
    void shouldInferThroughTheSharedPipelineWithRawOrTypedContents() throws Exception {
        String requestId = "grpc-" + UUID.randomUUID();
        List<String> texts = List.of(InferenceProtocolTest.SPAM, InferenceProtocolTest.HAM + " " + requestId);
        ModelInferRequest.InferInputTensor input = ModelInferRequest.InferInputTensor.newBuilder()
                .setName("text").setDatatype("BYTES").addShape(2).build();

        ModelInferResponse raw = stub(KEY).modelInfer(ModelInferRequest.newBuilder().setModelName("spam-roberta")
                .setId(requestId).addInputs(input).addRawInputContents(lengthPrefixed(texts)).build());
        ModelInferResponse typed = stub(KEY).modelInfer(ModelInferRequest.newBuilder().setModelName("spam-roberta")
                .setModelVersion("1").addInputs(input.toBuilder().setContents(InferTensorContents.newBuilder()
                        .addAllBytesContents(texts.stream().map(ByteString::copyFromUtf8).toList()))).build());

        assertThat(raw.getModelName()).isEqualTo("spam-roberta");
        assertThat(raw.getModelVersion()).isEqualTo("1");
        assertThat(raw.getId()).isEqualTo(requestId);
        assertThat(raw.getParametersMap().get("degraded").getBoolParam()).isFalse();
        assertThat(raw.getOutputs(0).getName()).isEqualTo("probabilities");
        assertThat(raw.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(raw.getOutputs(0).getShapeList()).containsExactly(2L, 2L);
        JsonNode batch = predictBatch(Map.of("texts", texts, "models", List.of("spam-roberta")));
        List<String> labels = List.of("ham", "spam");
        for (ModelInferResponse answer : List.of(raw, typed)) {
            ByteBuffer floats = answer.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            assertThat(floats.remaining()).isEqualTo(4 * Float.BYTES);
            for (int text = 0; text < 2; text++) {
                JsonNode own = batch.get("results").get(text).get("models").get(0).get("probabilities");
                for (String label : labels) {
                    assertThat((double) floats.getFloat()).isCloseTo(own.get(label).asDouble(), within(1e-5));
                }
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> audit.countByRequestId(requestId) == 2);
        assertThat(audit.findByRequestId(requestId)).extracting(AuditRecord::channel).containsOnly("grpc");
        assertThat(audit.findByRequestId(requestId)).extracting(AuditRecord::principal).containsOnly("development");
    }

    @Test
    void shouldAnswerTheClassificationExtensionOfANamedEnsemble() throws Exception {
        List<String> texts = List.of(InferenceProtocolTest.SPAM, InferenceProtocolTest.HAM);

        ModelInferResponse answer = stub(KEY).modelInfer(ModelInferRequest.newBuilder().setModelName("spam-default")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("text").setDatatype("BYTES")
                        .addShape(2).addShape(1))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probabilities")
                        .putParameters("classification", InferParameter.newBuilder().setInt64Param(1).build()))
                .addRawInputContents(lengthPrefixed(texts)).build());

        assertThat(answer.getModelVersion()).isEmpty();
        assertThat(answer.getOutputs(0).getDatatype()).isEqualTo("BYTES");
        assertThat(answer.getOutputs(0).getShapeList()).containsExactly(2L, 1L);
        ByteBuffer elements = answer.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        JsonNode ensemble = predictBatch(Map.of("texts", texts, "ensemble", "spam-default"));
        for (int text = 0; text < 2; text++) {
            byte[] element = new byte[elements.getInt()];
            elements.get(element);
            String[] best = new String(element, StandardCharsets.UTF_8).split(":");
            assertThat(best[2]).isEqualTo(ensemble.get("results").get(text).get("label").asText());
            assertThat(Double.parseDouble(best[0]))
                    .isCloseTo(ensemble.get("results").get(text).get("score").asDouble(), within(1e-5));
        }
    }

    @Test
    void shouldRefuseBadCallsWithTheMatchingStatusAndTheRequestIdInTheTrailers() {
        ModelInferRequest.InferInputTensor text = ModelInferRequest.InferInputTensor.newBuilder().setName("text")
                .setDatatype("BYTES").addShape(1).build();
        ByteString one = lengthPrefixed(List.of("hello"));
        Map<String, ModelInferRequest> invalid = Map.of(
                "FP32 input", ModelInferRequest.newBuilder().setModelName("spam-roberta")
                        .addInputs(text.toBuilder().setDatatype("FP32")).addRawInputContents(one).build(),
                "no contents", ModelInferRequest.newBuilder().setModelName("spam-roberta").addInputs(text).build(),
                "raw and typed", ModelInferRequest.newBuilder().setModelName("spam-roberta")
                        .addInputs(text.toBuilder().setContents(InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFromUtf8("hello"))))
                        .addRawInputContents(one).build(),
                "not UTF-8", ModelInferRequest.newBuilder().setModelName("spam-roberta").addInputs(text)
                        .addRawInputContents(ByteString.copyFrom(new byte[] {2, 0, 0, 0, (byte) 0xC3, 0x28})).build(),
                "cut short", ModelInferRequest.newBuilder().setModelName("spam-roberta").addInputs(text)
                        .addRawInputContents(ByteString.copyFrom(new byte[] {9, 0, 0, 0, 'a'})).build(),
                "too many texts", ModelInferRequest.newBuilder().setModelName("spam-roberta")
                        .addInputs(text.toBuilder().setShape(0, 5))
                        .addRawInputContents(lengthPrefixed(List.of("a", "b", "c", "d", "e"))).build());
        invalid.forEach((what, request) -> {
            StatusRuntimeException e = assertStatus(() -> stub(KEY).modelInfer(request), Status.Code.INVALID_ARGUMENT);
            assertThat(e.getTrailers().get(GrpcExchanges.REQUEST_ID)).as(what).isNotBlank();
            assertThat(e.getStatus().getDescription()).as(what).isNotBlank().doesNotContain("Exception");
        });
        ModelInferRequest good = ModelInferRequest.newBuilder().setModelName("spam-roberta").addInputs(text)
                .addRawInputContents(one).build();
        assertStatus(() -> stub(KEY).modelInfer(good.toBuilder().setModelName("no-such-model").build()),
                Status.Code.NOT_FOUND);
        assertStatus(() -> stub(KEY).modelInfer(good.toBuilder().setModelVersion("99").build()), Status.Code.NOT_FOUND);
        assertStatus(() -> stub(null).modelInfer(good), Status.Code.UNAUTHENTICATED);
        assertStatus(() -> stub("not-a-key").modelInfer(good), Status.Code.UNAUTHENTICATED);
        assertThat(stub(KEY).modelInfer(good).getOutputs(0).getShapeList()).containsExactly(1L, 2L);
    }

    static ByteString lengthPrefixed(List<String> texts) {
        return ByteString.copyFrom(InferenceProtocolTest.bytesElements(texts));
    }

    static StatusRuntimeException assertStatus(Runnable call, Status.Code code) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("the call failed").isNotNull();
        assertThat(e.getStatus().getCode()).as(String.valueOf(e.getStatus())).isEqualTo(code);
        return e;
    }

    private JsonNode predictBatch(Map<String, Object> request) throws Exception {
        return predictBatch(http, json, request);
    }

    /** The same texts through {@code /api/v1/predict/batch}, with the development key: what every protocol must answer. */
    public static JsonNode predictBatch(TestRestTemplate http, ObjectMapper json, Map<String, Object> request)
            throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        headers.set("X-API-Key", KEY);
        ResponseEntity<String> response = http.exchange("/api/v1/predict/batch", HttpMethod.POST,
                new HttpEntity<>(json.writeValueAsString(request), headers), String.class);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }
}
