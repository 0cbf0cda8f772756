package dev.modelapi.ingest.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The bound on gRPC calls in flight: one past it is refused at once, and a place comes back however a call ends. */
class GrpcInFlightTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final GrpcInFlight bound = new GrpcInFlight(new GrpcProperties(true, "127.0.0.1", 8081, 2, 4194304), meters);
    final List<ServerCall<Object, Object>> started = new ArrayList<>();
    final ServerCallHandler<Object, Object> handler = (call, headers) -> {
        started.add(call);
        return new ServerCall.Listener<>() {
        };
    };

    @SuppressWarnings("unchecked")
    ServerCall<Object, Object> call() {
        return mock(ServerCall.class);
    }

    double inFlight() {
        return meters.get("modelapi.grpc.inflight").gauge().value();
    }

    @Test
    void shouldRefuseACallPastTheBoundWithResourceExhaustedAndCountIt() {
        bound.interceptCall(call(), new Metadata(), handler);
        bound.interceptCall(call(), new Metadata(), handler);
        ServerCall<Object, Object> third = call();

        bound.interceptCall(third, new Metadata(), handler);

        ArgumentCaptor<Status> status = ArgumentCaptor.forClass(Status.class);
        verify(third).close(status.capture(), any());
        assertThat(status.getValue().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(started).hasSize(2);
        assertThat(inFlight()).isEqualTo(2);
        assertThat(meters.get("modelapi.grpc.refused").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldFreeAPlaceWhenACallIsAnsweredOrCancelledButOnlyOnce() {
        bound.interceptCall(call(), new Metadata(), handler);
        ServerCall.Listener<Object> cancelled = bound.interceptCall(call(), new Metadata(), handler);
        assertThat(inFlight()).isEqualTo(2);

        started.get(0).close(Status.OK, new Metadata()); // the route answered
        cancelled.onCancel(); // the client went away
        cancelled.onComplete();
        started.get(1).close(Status.CANCELLED, new Metadata());

        assertThat(inFlight()).isZero();
        ServerCall<Object, Object> next = call();
        bound.interceptCall(next, new Metadata(), handler);
        bound.interceptCall(call(), new Metadata(), handler);
        verify(next, never()).close(any(), any());
        assertThat(inFlight()).isEqualTo(2);
    }
}
