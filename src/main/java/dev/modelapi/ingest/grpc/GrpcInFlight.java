package dev.modelapi.ingest.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.stereotype.Component;

/**
 * Bounds the gRPC calls being answered at once ({@code modelapi.grpc.max-in-flight}): one more
 * is closed at once with {@code RESOURCE_EXHAUSTED}, before Camel sees it. A call's place is
 * freed when it is closed (answered or failed) or cancelled by the client. camel-grpc applies every {@code ServerInterceptor}
 * bean to its server.
 */
@Component
public class GrpcInFlight implements ServerInterceptor {

    private final Semaphore places;
    private final Counter refused;

    public GrpcInFlight(GrpcProperties settings, MeterRegistry meters) {
        int max = settings.maxInFlight();
        this.places = new Semaphore(max);
        Gauge.builder("modelapi.grpc.inflight", places, s -> max - s.availablePermits())
                .description("gRPC calls being answered; bounded by modelapi.grpc.max-in-flight (" + max + ")")
                .register(meters);
        this.refused = Counter.builder("modelapi.grpc.refused")
                .description("gRPC calls refused with RESOURCE_EXHAUSTED because modelapi.grpc.max-in-flight were in flight")
                .register(meters);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        if (!places.tryAcquire()) {
            refused.increment();
            call.close(Status.RESOURCE_EXHAUSTED.withDescription("too many calls in flight; try again shortly"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        AtomicBoolean freed = new AtomicBoolean();
        ServerCall<Q, A> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                try {
                    super.close(status, trailers);
                } finally {
                    free(freed);
                }
            }
        };
        try {
            ServerCall.Listener<Q> listener = next.startCall(counted, headers);
            return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onCancel() {
                    try {
                        super.onCancel(); // the client went away or its deadline passed
                    } finally {
                        free(freed);
                    }
                }

            };
        } catch (RuntimeException e) {
            free(freed);
            throw e;
        }
    }

    private void free(AtomicBoolean freed) {
        if (freed.compareAndSet(false, true)) {
            places.release();
        }
    }
}
