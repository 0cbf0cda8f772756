package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.ingest.InferenceMessages.InferResponse;
import dev.modelapi.ingest.InferenceMessages.Live;
import dev.modelapi.ingest.InferenceMessages.ModelMetadata;
import dev.modelapi.ingest.InferenceMessages.ModelReady;
import dev.modelapi.ingest.InferenceMessages.OutputTensor;
import dev.modelapi.ingest.InferenceMessages.ServerMetadata;
import dev.modelapi.ingest.InferenceMessages.ServerReady;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.security.ModelAccess;
import dev.modelapi.testsupport.RouteFiles;
import dev.modelapi.testsupport.StubPipeline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.component.direct.DirectComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * routes/ingress-v2.camel.yaml on its own, in a second: the protocol's routes as direct: endpoints
 * (the test sends what platform-http would), the real httpExchanges and modelAccess, the protocol
 * (bean inferenceProtocol) a stand-in that reads one task per text of {@code inputs[0].data} and
 * knows one model, spam-roberta (version 1 loaded, 2 on disk only), and the pipeline stubbed: it
 * answers spam, or for a text holding "fail" fails with quorum_not_met. Errors must come in the
 * protocol's shape, {"error": "..."}.
 */
class IngressV2RoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final StubPipeline pipeline = new StubPipeline();
    static final AtomicInteger pipelineCalls = pipeline.calls;
    static final ProtocolStandIn protocol = new ProtocolStandIn();
    static RouteFiles routes;

    @BeforeAll
    static void load() throws Exception {
        Failures failures = new Failures();
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "httpExchanges", new HttpExchanges(JSON, new Answers(JSON), failures),
                        "inferenceProtocol", protocol,
                        "modelAccess", new ModelAccess(new dev.modelapi.testsupport.RecordedSecurityEvents().recorder)),
                Map.of(), "ingress-v2.camel.yaml")
                .with(pipeline);
        routes.camel().addComponent("platform-http", new DirectComponent());
        routes.start();
    }

    @AfterAll
    static void close() {
        routes.close();
    }

    @BeforeEach
    void reset() {
        pipelineCalls.set(0);
        protocol.version.set("unset");
        protocol.ready.set(true);
    }

    /** The protocol's side: what the real bean answers, for the one model it knows. */
    public static final class ProtocolStandIn {
        final AtomicReference<String> version = new AtomicReference<>();
        final AtomicBoolean ready = new AtomicBoolean(true);

        public ServerMetadata serverMetadata() {
            return new ServerMetadata("model-api-service", "test", List.of("classification"));
        }

        public Live live() {
            return new Live(true);
        }

        public ServerReady serverReady() {
            return new ServerReady(ready.get());
        }

        public ModelMetadata modelMetadata(String model, String version) {
            return new ModelMetadata(model, List.of("1"), "pytorch_torchscript", List.of(), List.of(), Map.of());
        }

        public ModelReady modelReady(String model, String version) {
            if (!"spam-roberta".equals(model) || version != null && !List.of("1", "2").contains(version)) {
                throw new InvalidRequestException(404, "model_not_found", "no model or ensemble " + model + " is loaded");
            }
            return new ModelReady(model, !"2".equals(version));
        }

        public List<PredictionTask> read(Exchange exchange, String body, String model, String version, String principal)
                throws Exception {
            this.version.set(version);
            EnsembleSpec spec = new EnsembleSpec(List.of(new ModelRef(model, version == null ? "1" : version)),
                    EnsembleMethod.SOFT, Map.of());
            List<PredictionTask> tasks = new ArrayList<>();
            for (JsonNode text : JSON.readTree(body).at("/inputs/0/data")) {
                tasks.add(new PredictionTask("r", tasks.size(), "http", principal, text.asText(), spec, System.nanoTime()));
            }
            return tasks;
        }

        @SuppressWarnings("unchecked")
        public InferResponse answer(Exchange exchange) {
            List<PredictionTask> tasks = exchange.getIn().getBody(List.class);
            List<Object> data = new ArrayList<>();
            tasks.forEach(t -> data.add(t.result().score()));
            return new InferResponse(exchange.getIn().getHeader("model", String.class),
                    tasks.get(0).ensemble().models().get(0).version(), "r", Map.of("degraded", false),
                    List.of(new OutputTensor("probabilities", "FP32", List.of(tasks.size(), 1), null, data)));
        }
    }

    static String infer(String... texts) throws Exception {
        return "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [" + texts.length
                + "], \"data\": " + JSON.writeValueAsString(texts) + "}]}";
    }

    @Test
    void shouldRunAnInferenceRequestThroughEveryStepOnTheDefaultVersion() throws Exception {
        Exchange done = send("v2-infer", "POST", infer("win money", "lunch?"),
                Map.of("model", "spam-roberta", "version", "9"));

        assertThat(RouteFiles.steps(done)).containsSubsequence("v2-infer-default-version", "v2-infer-model",
                "v2-accept", "v2-read-request", "v2-model-access", "v2-idempotency-key", "v2-pipeline", "v2-answer",
                "v2-respond");
        assertThat(protocol.version.get()).as("an HTTP header named version picks nothing here").isNull();
        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        JsonNode answer = JSON.readTree(done.getMessage().getBody(String.class));
        assertThat(answer.get("model_name").asText()).isEqualTo("spam-roberta");
        assertThat(answer.at("/outputs/0/data")).hasSize(2);
        assertThat(pipelineCalls).hasValue(1);
    }

    @Test
    void shouldRunTheVersionThePathNames() throws Exception {
        Exchange done = send("v2-infer-version", "POST", infer("win money"), Map.of("model", "spam-roberta", "version", "2"));

        assertThat(RouteFiles.steps(done)).contains("v2-infer-model-version", "v2-read-request", "v2-pipeline");
        assertThat(protocol.version.get()).isEqualTo("2");
        assertThat(JSON.readTree(done.getMessage().getBody(String.class)).get("model_version").asText()).isEqualTo("2");
    }

    @Test
    void shouldRefuseAModelTheKeyMayNotUseInTheProtocolsShape() throws Exception {
        Exchange done = send("v2-infer", "POST", infer("win money"),
                Map.of("model", "spam-roberta", "X-ModelApi-Models", "spam-distilbert"));

        assertThat(RouteFiles.steps(done)).contains("v2-model-access", "v2-invalid-request", "v2-invalid-request-answer")
                .doesNotContain("v2-pipeline");
        assertProtocolError(done, 403);
        assertThat(pipelineCalls).hasValue(0);
    }

    @Test
    void shouldAnswerAFailedEnsembleFromTheQuorumClauseWithRetryAfter() throws Exception {
        Exchange done = send("v2-infer", "POST", infer("fail"), Map.of("model", "spam-roberta"));

        assertThat(RouteFiles.steps(done)).contains("v2-pipeline", "v2-quorum", "v2-quorum-answer")
                .doesNotContain("v2-answer", "v2-respond");
        assertProtocolError(done, 503);
        assertThat(done.getMessage().getHeader("Retry-After", String.class)).isEqualTo("7");
    }

    @Test
    void shouldRefuseAReadWithAnotherMethod() throws Exception {
        Exchange done = send("v2-server-metadata", "POST", "{}", Map.of());

        assertThat(RouteFiles.steps(done)).contains("v2-server-metadata-accept", "v2-invalid-request")
                .doesNotContain("v2-server-describe");
        assertProtocolError(done, 405);
    }

    @Test
    void shouldDescribeTheServerAndBeLive() throws Exception {
        Exchange metadata = send("v2-server-metadata", "GET", null, Map.of());
        Exchange live = send("v2-health-live", "GET", null, Map.of());

        assertThat(JSON.readTree(metadata.getMessage().getBody(String.class)).get("name").asText())
                .isEqualTo("model-api-service");
        assertThat(live.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(RouteFiles.steps(live)).containsSubsequence("v2-live-accept", "v2-live-check", "v2-live-respond");
    }

    @Test
    void shouldAnswerServerReadinessWith200Or400() throws Exception {
        assertThat(send("v2-health-ready", "GET", null, Map.of()).getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE))
                .isEqualTo(200);
        protocol.ready.set(false);

        Exchange notReady = send("v2-health-ready", "GET", null, Map.of());

        assertThat(notReady.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(JSON.readTree(notReady.getMessage().getBody(String.class)).get("ready").asBoolean()).isFalse();
    }

    @Test
    void shouldAnswerModelReadinessWith200Or404AndAnUnknownModelInTheProtocolsShape() throws Exception {
        Exchange loaded = send("v2-model-ready", "GET", null, Map.of("model", "spam-roberta"));
        Exchange onDiskOnly = send("v2-model-version-ready", "GET", null, Map.of("model", "spam-roberta", "version", "2"));
        Exchange unknown = send("v2-model-ready", "GET", null, Map.of("model", "no-such-model"));

        assertThat(loaded.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(onDiskOnly.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(404);
        assertThat(JSON.readTree(onDiskOnly.getMessage().getBody(String.class)).get("ready").asBoolean()).isFalse();
        assertThat(RouteFiles.steps(unknown)).contains("v2-model-ready-check", "v2-invalid-request");
        assertProtocolError(unknown, 404);
    }

    /** The protocol's error shape: only {"error": "<message>"}, and a request id header. */
    private static void assertProtocolError(Exchange done, int status) throws Exception {
        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(status);
        JsonNode body = JSON.readTree(done.getMessage().getBody(String.class));
        List<String> fields = new ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("error");
        assertThat(body.get("error").asText()).isNotBlank();
        assertThat(done.getMessage().getHeader(HttpExchanges.REQUEST_ID, String.class)).isNotBlank();
        assertThat(done.getException()).isNull();
    }

    private static Exchange send(String routeId, String method, String body, Map<String, Object> extraHeaders) {
        Endpoint endpoint = routes.camel().getRoute(routeId).getEndpoint();
        return routes.camel().createProducerTemplate().send(endpoint, e -> {
            Map<String, Object> headers = new HashMap<>(extraHeaders);
            headers.put(Exchange.HTTP_METHOD, method);
            if (body != null) {
                headers.put(Exchange.CONTENT_TYPE, "application/json");
            }
            e.getIn().setHeaders(headers);
            e.getIn().setBody(body);
        });
    }
}
