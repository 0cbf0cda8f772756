package dev.modelapi.observability;

import org.apache.camel.Exchange;
import org.apache.camel.tracing.ActiveSpanManager;
import org.apache.camel.tracing.SpanAdapter;
import org.slf4j.MDC;

/**
 * A request's ids in the logging MDC while a thread works on that request, for the JSON log lines
 * ({@link JsonLineLayout}): the request id (the exchange property {@value #REQUEST_ID}), the trace
 * and span ids of the span Camel has active on the exchange, the route and the exchange id.
 * {@link RequestLogUnitOfWork} sets them before each step of a route, so they follow a request
 * across the pipeline's thread hops; the container's thread clears them when it lets go of a request.
 */
public final class RequestLogContext {

    /** The exchange property and MDC key of the request id. */
    public static final String REQUEST_ID = "requestId";
    public static final String TRACE_ID = "trace_id";
    public static final String SPAN_ID = "span_id";
    public static final String ROUTE_ID = "camel.routeId";
    public static final String EXCHANGE_ID = "camel.exchangeId";

    private RequestLogContext() {
    }

    /**
     * Puts the exchange's ids into this thread's MDC, replacing those of any other exchange; an
     * exchange without a request id (a batch, a timer's) leaves none. Called before every step of
     * every route, so it writes only what changed since the step before.
     */
    public static void enter(Exchange exchange, String routeId) {
        String requestId = exchange.getProperty(REQUEST_ID, String.class);
        String exchangeId = exchange.getExchangeId();
        SpanAdapter span = ActiveSpanManager.getSpan(exchange);
        String spanId = span == null ? null : span.spanId();
        // the same strings as the step before (same exchange, same span, same route): nothing to write
        if (exchangeId == MDC.get(EXCHANGE_ID) && requestId == MDC.get(REQUEST_ID) && spanId == MDC.get(SPAN_ID)
                && routeId == MDC.get(ROUTE_ID)) {
            return;
        }
        put(REQUEST_ID, requestId);
        put(TRACE_ID, span == null ? null : span.traceId());
        put(SPAN_ID, spanId);
        put(ROUTE_ID, routeId);
        put(EXCHANGE_ID, exchangeId);
    }

    /** Removes the exchange's ids from this thread's MDC, if they are the ones there: it is done. */
    public static void leave(Exchange exchange) {
        String there = MDC.get(EXCHANGE_ID);
        if (there != null && there.equals(exchange.getExchangeId())) {
            clear();
        }
    }

    /** Removes any request's ids from this thread's MDC: the thread is done with the request. */
    public static void clear() {
        MDC.remove(REQUEST_ID);
        MDC.remove(TRACE_ID);
        MDC.remove(SPAN_ID);
        MDC.remove(ROUTE_ID);
        MDC.remove(EXCHANGE_ID);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
