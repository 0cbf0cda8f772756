package dev.modelapi.security;

import dev.modelapi.ingest.grpc.GrpcExchanges;
import dev.modelapi.securityevents.SecurityEvents;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The API key of every gRPC call, checked before Camel sees it by the rule HTTP's
 * {@link ApiKeyFilter} applies ({@link KeyCheck}): the key in the {@code x-api-key} metadata or
 * {@code authorization: Bearer <key>}; {@code ModelInfer} needs the {@code predict} role, the
 * liveness and readiness calls are probes (a key only with {@code health-needs-key}), the
 * metadata calls any valid key. A refusal closes the call with the matching status
 * ({@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}, {@code RESOURCE_EXHAUSTED}) and is a
 * security event; an admitted
 * call carries the caller in its Context to the route ({@link GrpcExchanges}).
 */
@Component
public class GrpcKeyInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final SecurityProperties settings;
    private final KeyCheck check;
    private final SecurityEvents events;

    public GrpcKeyInterceptor(SecurityProperties settings, KeyCheck check, SecurityEvents events) {
        this.settings = settings;
        this.check = check;
        this.events = events;
    }

    /** The roles a call needs, as {@link KeyCheck#check} takes them. */
    Set<Role> rolesFor(String method) {
        return switch (method) {
            case "ModelInfer" -> EnumSet.of(Role.PREDICT);
            case "ServerLive", "ServerReady", "ModelReady" -> settings.healthNeedsKey() ? Set.of() : null;
            default -> Set.of();
        };
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        String key = KeyCheck.keyFrom(headers.get(API_KEY), headers.get(AUTHORIZATION));
        KeyCheck.Verdict verdict = check.check(key, null, rolesFor(method == null ? "" : method), method);
        if (!verdict.admitted()) {
            java.net.SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            events.refused(verdict.reason(), verdict.status(), "grpc", verdict.holder(), addressOf(peer), key, method,
                    headers.get(GrpcExchanges.REQUEST_ID), verdict.message());
            Metadata trailers = new Metadata();
            if (verdict.retryAfter() != null) {
                trailers.put(GrpcExchanges.RETRY_AFTER, Long.toString(verdict.retryAfter().toSeconds()));
            }
            call.close(GrpcExchanges.statusOf(verdict.status()).withDescription(verdict.message()), trailers);
            return new ServerCall.Listener<>() {
            };
        }
        Context context = Context.current()
                .withValue(GrpcExchanges.PRINCIPAL, verdict.caller().name())
                .withValue(GrpcExchanges.MODELS, String.join(",", verdict.caller().models()))
                .withValue(GrpcExchanges.OFFERED_REQUEST_ID, headers.get(GrpcExchanges.REQUEST_ID));
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The client's IP address, as HTTP's {@code getRemoteAddr} gives it (no port). */
    private static String addressOf(java.net.SocketAddress peer) {
        if (peer instanceof java.net.InetSocketAddress address) {
            return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        }
        return peer == null ? null : peer.toString();
    }
}
