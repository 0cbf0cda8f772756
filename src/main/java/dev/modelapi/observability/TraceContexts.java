package dev.modelapi.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.tracing.ActiveSpanManager;
import org.apache.camel.tracing.SpanAdapter;

/**
 * Carries a request's trace into work it hands to another exchange (the batcher's queue): Camel
 * keeps a route's span on its exchange, not in OpenTelemetry's current context, so a new exchange
 * would start a trace of its own. Run in the exchange's span, the new exchange's first span is a
 * child of it and its {@code traceparent} goes along.
 */
public final class TraceContexts {

    private TraceContexts() {
    }

    public static <T> T inSpanOf(Exchange exchange, Supplier<T> work) {
        SpanContext context = spanContextOf(exchange);
        if (!context.isValid()) {
            return work.get();
        }
        try (Scope scope = Span.wrap(context).makeCurrent()) {
            return work.get();
        }
    }

    /** The span Camel has active on the exchange, or an invalid context when there is none. */
    public static SpanContext spanContextOf(Exchange exchange) {
        SpanAdapter span = ActiveSpanManager.getSpan(exchange);
        if (span == null || span.traceId() == null || span.spanId() == null) {
            return SpanContext.getInvalid();
        }
        return SpanContext.create(span.traceId(), span.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
    }
}
