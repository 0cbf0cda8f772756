package dev.modelapi.ingest.grpc;

import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failure;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.component.grpc.GrpcConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The steps that take a gRPC call in and answer it (routes/ingress-grpc.camel.yaml), as
 * {@link HttpExchanges} does for HTTP. The route controls the call's stream observer: it answers
 * with the message the steps made, or fails the call with the status that matches the HTTP API's
 * (400 {@code INVALID_ARGUMENT}, 404 {@code NOT_FOUND}, 503 {@code UNAVAILABLE}...), the request
 * id in the trailers. The caller, checked by the key interceptor before Camel sees the call,
 * arrives in the call's gRPC {@link Context}.
 */
@Component("grpcExchanges")
public class GrpcExchanges {

    /** The caller's name and model allow-list, set by the key interceptor. */
    public static final Context.Key<String> PRINCIPAL = Context.key("modelapi-principal");
    public static final Context.Key<String> MODELS = Context.key("modelapi-models");
    /** The request id the client offered in its {@code x-request-id} metadata. */
    public static final Context.Key<String> OFFERED_REQUEST_ID = Context.key("modelapi-offered-request-id");
    public static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private static final Logger log = LoggerFactory.getLogger(GrpcExchanges.class);

    private final Answers answers;
    private final Failures failures;
    private final Counter abandoned;

    public GrpcExchanges(Answers answers, Failures failures, MeterRegistry meters) {
        this.answers = answers;
        this.failures = failures;
        this.abandoned = Counter.builder("modelapi.grpc.abandoned")
                .description("gRPC answers not sent: the client had cancelled the call or its deadline had passed")
                .register(meters);
    }

    /**
     * The {@code grpc-accept} step, on the thread gRPC called in on (its Context holds the caller):
     * the request id (the client's {@code x-request-id} when it is a safe one, else a new one) and
     * the caller as the headers the HTTP routes get.
     */
    public void accept(Exchange exchange) {
        exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, HttpExchanges.requestIdFor(OFFERED_REQUEST_ID.get()));
        exchange.getIn().setHeader("X-ModelApi-Principal", PRINCIPAL.get());
        exchange.getIn().setHeader("X-ModelApi-Models", MODELS.get());
    }

    /** The {@code grpc-reply} step: the body is the answer; the call ends with OK. */
    public void reply(Exchange exchange) {
        StreamObserver<Object> observer = observerOf(exchange);
        if (cancelled(observer, exchange)) {
            return;
        }
        try {
            observer.onNext(exchange.getIn().getBody());
            observer.onCompleted();
        } catch (io.grpc.StatusRuntimeException e) {
            dropped(exchange, e); // cancelled after the check
        }
    }

    /** The error step of the gRPC routes: the call fails with the status that matches the error. */
    public void fail(Exchange exchange) {
        Failure failure = failures.recorded(exchange);
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        StreamObserver<Object> observer = observerOf(exchange);
        if (cancelled(observer, exchange)) {
            return;
        }
        Metadata trailers = new Metadata();
        trailers.put(REQUEST_ID, requestId);
        if (failure.retryAfter() != null) {
            trailers.put(RETRY_AFTER, Long.toString(Math.max(1, failure.retryAfter().toSeconds())));
        }
        try {
            observer.onError(statusOf(failure.status()).withDescription(failure.message()).asRuntimeException(trailers));
        } catch (io.grpc.StatusRuntimeException e) {
            dropped(exchange, e);
        }
    }

    /** The {@code otherwise} of the call choice: a method the routes do not answer. */
    public void unknownMethod(Exchange exchange) {
        throw new dev.modelapi.errors.InvalidRequestException(501, "not_implemented", "the call "
                + exchange.getIn().getHeader(GrpcConstants.GRPC_METHOD_NAME_HEADER) + " is not served here");
    }

    /** The gRPC status of an HTTP status, as gRPC's own HTTP mapping and Triton's server pair them. */
    public static Status statusOf(int httpStatus) {
        return switch (httpStatus) {
            case 400, 413, 415 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 404 -> Status.NOT_FOUND;
            case 405, 501 -> Status.UNIMPLEMENTED;
            case 409 -> Status.FAILED_PRECONDITION;
            case 429 -> Status.RESOURCE_EXHAUSTED;
            case 503 -> Status.UNAVAILABLE;
            case 504 -> Status.DEADLINE_EXCEEDED;
            default -> Status.INTERNAL;
        };
    }

    @SuppressWarnings("unchecked")
    private static StreamObserver<Object> observerOf(Exchange exchange) {
        return exchange.getProperty(GrpcConstants.GRPC_RESPONSE_OBSERVER, StreamObserver.class);
    }

    /** A call the client cancelled (or whose deadline passed) takes no answer: counted and dropped. */
    private boolean cancelled(StreamObserver<Object> observer, Exchange exchange) {
        if (observer instanceof ServerCallStreamObserver<Object> call && call.isCancelled()) {
            dropped(exchange, null);
            return true;
        }
        return false;
    }

    private void dropped(Exchange exchange, Exception e) {
        abandoned.increment();
        log.debug("The gRPC call of request {} was cancelled before its answer{}",
                exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY), e == null ? "" : ": " + e.getMessage());
    }
}
