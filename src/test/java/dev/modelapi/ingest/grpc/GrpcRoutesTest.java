package dev.modelapi.ingest.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.security.ModelAccess;
import dev.modelapi.testsupport.RouteFiles;
import dev.modelapi.testsupport.StubPipeline;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.grpc.GrpcConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * routes/ingress-grpc.camel.yaml on its own, in a second: the gRPC consumer replaced by
 * {@code direct:grpc-in} (the test sends what it would: the request as the body, the call's name
 * in CamelGrpcMethodName, the call's observer), the real grpcExchanges, modelAccess and error
 * clauses, the protocol's side (bean grpcInference) a stand-in whose messages are strings, and
 * the pipeline stubbed. A call ends in exactly one of the observer's onCompleted and onError.
 */
class GrpcRoutesTest {

    RouteFiles routes;
    final StubPipeline pipeline = new StubPipeline();

    /** GrpcInference without protobuf: a ModelInfer request is its text, every answer a string. */
    public static final class InferenceStandIn {
        public List<PredictionTask> read(Exchange exchange, String text, String principal) {
            return List.of(new PredictionTask("r", 0, "grpc", principal, text, StubPipeline.SPEC, System.nanoTime()));
        }

        @SuppressWarnings("unchecked")
        public String answer(Exchange exchange) {
            return "answered " + ((PredictionTask) exchange.getIn().getBody(List.class).get(0)).result().label();
        }

        public String serverLive() {
            return "live";
        }

        public String serverReady() {
            return "ready";
        }

        public String modelReady(Object request) {
            return "model ready";
        }

        public String serverMetadata() {
            return "server metadata";
        }

        public String modelMetadata(Object request) {
            return "model metadata";
        }
    }

    /** What a call's observer was told. */
    static final class Call implements StreamObserver<Object> {
        final List<Object> answers = new ArrayList<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        boolean completed;

        @Override
        public void onNext(Object value) {
            answers.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error.set(t);
        }

        @Override
        public void onCompleted() {
            completed = true;
        }

        Status status() {
            return Status.fromThrowable(error.get());
        }
    }

    @BeforeEach
    void load() throws Exception {
        Failures failures = new Failures();
        ObjectMapper json = new ObjectMapper();
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "grpcExchanges", new GrpcExchanges(new Answers(json), failures, new SimpleMeterRegistry()),
                        "grpcInference", new InferenceStandIn(),
                        "modelAccess", new ModelAccess(new dev.modelapi.testsupport.RecordedSecurityEvents().recorder)),
                Map.of("modelapi.grpc.enabled", "true", "modelapi.grpc.host", "127.0.0.1", "modelapi.grpc.port", "1",
                        "modelapi.grpc.max-message-bytes", "4194304"),
                "ingress-grpc.camel.yaml")
                .with(pipeline);
        AdviceWith.adviceWith(routes.camel(), "grpc-inference-service", a -> a.replaceFromWith("direct:grpc-in"));
        routes.start();
    }

    @AfterEach
    void close() {
        routes.close();
    }

    @Test
    void shouldAnswerAnInferenceCallThroughEveryStep() {
        Call call = new Call();

        Exchange done = call("modelInfer", "win money", call);

        assertThat(RouteFiles.steps(done)).containsSubsequence("grpc-accept", "grpc-call", "grpc-read-request",
                "grpc-model-access", "grpc-pipeline", "grpc-answer", "grpc-reply");
        assertThat(call.answers).containsExactly("answered spam");
        assertThat(call.completed).isTrue();
        assertThat(call.error.get()).isNull();
        assertThat(pipeline.calls).hasValue(1);
    }

    @Test
    void shouldAnswerEachMetadataAndHealthCallFromItsOwnBranch() {
        Map<String, String> answers = Map.of("serverLive", "live", "serverReady", "ready", "modelReady", "model ready",
                "serverMetadata", "server metadata", "modelMetadata", "model metadata");
        answers.forEach((method, answer) -> {
            Call call = new Call();
            Exchange done = call(method, "request", call);
            assertThat(call.answers).as(method).containsExactly(answer);
            assertThat(call.completed).isTrue();
            assertThat(RouteFiles.steps(done)).doesNotContain("grpc-pipeline");
        });
    }

    @Test
    void shouldFailACallTheRoutesDoNotServeAsUnimplemented() {
        Call call = new Call();

        Exchange done = call("modelStreamInfer", "win money", call);

        assertThat(RouteFiles.steps(done)).contains("grpc-refuse-call", "grpc-invalid-request").doesNotContain("grpc-reply");
        assertThat(call.status().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(call.completed).isFalse();
    }

    @Test
    void shouldFailAFailedEnsembleAsUnavailableWithRetryAfter() {
        pipeline.failFirst.set(1);
        Call call = new Call();

        Exchange done = call("modelInfer", "win money", call);

        assertThat(RouteFiles.steps(done)).contains("grpc-quorum", "grpc-quorum-answer").doesNotContain("grpc-reply");
        assertThat(call.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(((StatusRuntimeException) call.error.get()).getTrailers().get(GrpcExchanges.RETRY_AFTER)).isEqualTo("1");
        assertThat(call.answers).isEmpty();
    }

    @Test
    void shouldRefuseAModelTheKeyMayNotUseBeforeThePipeline() throws Exception {
        Call call = new Call();

        Exchange done = Context.current().withValue(GrpcExchanges.MODELS, "spam-distilbert")
                .call(() -> call("modelInfer", "win money", call));

        assertThat(RouteFiles.steps(done)).contains("grpc-model-access", "grpc-invalid-request").doesNotContain("grpc-pipeline");
        assertThat(call.status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(pipeline.calls).hasValue(0);
    }

    private Exchange call(String method, Object request, Call call) {
        return routes.camel().createProducerTemplate().send("direct:grpc-in", e -> {
            e.getIn().setHeader(GrpcConstants.GRPC_METHOD_NAME_HEADER, method);
            e.setProperty(GrpcConstants.GRPC_RESPONSE_OBSERVER, call);
            e.getIn().setBody(request);
        });
    }
}
