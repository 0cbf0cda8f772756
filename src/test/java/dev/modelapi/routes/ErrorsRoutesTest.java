package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.errors.CapacityExceededException;
import dev.modelapi.errors.InferenceTimeoutException;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.errors.ModelUnavailableException;
import dev.modelapi.errors.QuorumNotMetException;
import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.grpc.GrpcExchanges;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.testsupport.RouteFiles;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.grpc.GrpcConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * routes/errors.camel.yaml on its own: each typed clause of http-errors, v2-errors and
 * grpc-errors, found by its step ids, turns its kind of failure (thrown from under a split's
 * wrapper, as the pipeline's are) into the channel's answer.
 */
class ErrorsRoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static RouteFiles routes;

    @BeforeAll
    static void load() throws Exception {
        Answers answers = new Answers(JSON);
        Failures failures = new Failures();
        routes = RouteFiles.of(Map.of(
                "failures", failures,
                "httpExchanges", new HttpExchanges(JSON, answers, failures),
                "grpcExchanges", new GrpcExchanges(answers, failures, new SimpleMeterRegistry())), Map.of())
                .with(new RouteBuilder() {
                    @Override
                    public void configure() {
                        for (String channel : List.of("http", "v2", "grpc")) {
                            from("direct:" + channel).routeConfigurationId(channel + "-errors")
                                    .process(e -> e.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, "r-1"))
                                    .process(e -> {
                                        throw new CamelExchangeException("Multicast processing failed for number 0",
                                                e, e.getIn().getBody(Exception.class));
                                    });
                        }
                    }
                })
                .start();
    }

    @AfterAll
    static void close() {
        routes.close();
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(InvalidRequestException.tooLarge("text_too_large", "too long"), "invalid-request", 413,
                        null, Status.Code.INVALID_ARGUMENT),
                Arguments.of(new CapacityExceededException("the batch queue is full", Duration.ofSeconds(3)), "capacity",
                        503, "3", Status.Code.UNAVAILABLE),
                Arguments.of(new InferenceTimeoutException("no answer within 1s"), "timeout", 504, null,
                        Status.Code.DEADLINE_EXCEEDED),
                Arguments.of(new QuorumNotMetException("0 of 3 models answered", Duration.ofSeconds(30)), "quorum", 503,
                        "30", Status.Code.UNAVAILABLE),
                Arguments.of(new ModelUnavailableException("no model is loaded"), "model-unavailable", 503, "1",
                        Status.Code.UNAVAILABLE),
                Arguments.of(new IllegalStateException("a secret detail"), "unexpected", 500, null,
                        Status.Code.INTERNAL));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldAnswerEachKindOfFailureOverHttpFromItsOwnClause(Exception failure, String clause, int status,
            String retryAfter, Status.Code grpcStatus) throws Exception {
        Exchange done = routes.camel().createProducerTemplate().send("direct:http", e -> e.getIn().setBody(failure));

        assertThat(RouteFiles.steps(done)).contains("http-" + clause, "http-" + clause + "-answer");
        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(status);
        assertThat(done.getMessage().getHeader("Retry-After", String.class)).isEqualTo(retryAfter);
        JsonNode error = JSON.readTree(done.getMessage().getBody(String.class)).get("error");
        assertThat(error.get("requestId").asText()).isEqualTo("r-1");
        assertThat(error.get("message").asText()).doesNotContain("secret");
        assertThat(done.getException()).isNull();
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldAnswerEachKindOfFailureInTheOpenInferenceProtocolsShape(Exception failure, String clause, int status,
            String retryAfter, Status.Code grpcStatus) throws Exception {
        Exchange done = routes.camel().createProducerTemplate().send("direct:v2", e -> e.getIn().setBody(failure));

        assertThat(RouteFiles.steps(done)).contains("v2-" + clause, "v2-" + clause + "-answer");
        assertThat(done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(status);
        assertThat(JSON.readTree(done.getMessage().getBody(String.class)).get("error").isTextual()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldFailAGrpcCallWithTheMatchingStatus(Exception failure, String clause, int status, String retryAfter,
            Status.Code grpcStatus) {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        StreamObserver<Object> call = new StreamObserver<>() {
            @Override
            public void onNext(Object value) {
            }

            @Override
            public void onError(Throwable t) {
                failed.set(t);
            }

            @Override
            public void onCompleted() {
            }
        };

        Exchange done = routes.camel().createProducerTemplate().send("direct:grpc", e -> {
            e.getIn().setBody(failure);
            e.setProperty(GrpcConstants.GRPC_RESPONSE_OBSERVER, call);
        });

        assertThat(RouteFiles.steps(done)).contains("grpc-" + clause, "grpc-" + clause + "-answer");
        StatusRuntimeException error = (StatusRuntimeException) failed.get();
        assertThat(error.getStatus().getCode()).isEqualTo(grpcStatus);
        assertThat(error.getTrailers().get(GrpcExchanges.REQUEST_ID)).isEqualTo("r-1");
    }

    /** The ids of the steps the exchange went through, its error clause's included. */
}
