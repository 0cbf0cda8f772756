package dev.modelapi.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import org.apache.camel.Exchange;
import org.apache.camel.tracing.ActiveSpanManager;
import org.apache.camel.tracing.SpanAdapter;

/**
 * A request's trace as the batcher records it: Camel keeps a route's span on its exchange, not in
 * OpenTelemetry's current context, so the batch job carries the span it was queued in and the
 * batch's span can point back at every request it answered.
 */
public final class TraceContexts {

    private TraceContexts() {
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
