package dev.modelapi.observability;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.NamedNode;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.opentelemetry.OpenTelemetryTracer;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.tracing.SpanDecorator;
import org.apache.camel.tracing.decorators.AbstractSpanDecorator;

/**
 * camel-opentelemetry's tracer, which opens a span for every route an exchange enters and every
 * endpoint it sends to. When spans are recorded (an exporter is set) it is exactly that. When
 * none is recorded, a span only carries the trace on: its ids go into the log lines and into the
 * {@code traceparent} of what the service sends out. Then the hops inside the service (routes
 * consumed from, and sends to, {@code direct:} and {@code seda:}) open no span of their own:
 * they keep the span of the route the request came in by, whose trace and ids they carry on as
 * before, and a request no longer allocates some ten spans, scopes and operation names that
 * nothing reads (about a tenth of a cache hit's allocation, docs/performance.md).
 */
public class RequestTracer extends OpenTelemetryTracer {

    /** A decorator that opens no span: {@code Tracer} skips the send event for it. */
    private static final SpanDecorator NO_SPAN = new AbstractSpanDecorator() {
        @Override
        public boolean newSpan() {
            return false;
        }

        @Override
        public String getComponent() {
            return "modelapi-internal";
        }

        @Override
        public String getComponentClassName() {
            return null;
        }
    };

    private final boolean recording;

    /** @param recording whether spans are recorded (exported); if not, internal hops open none */
    public RequestTracer(boolean recording) {
        this.recording = recording;
    }

    /** Whether an endpoint URI is a hop inside this service rather than a way in or out of it. */
    static boolean isInternal(String uri) {
        return uri != null && (uri.startsWith("direct:") || uri.startsWith("seda:"));
    }

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camelContext, String routeId, NamedNode route) {
        if (!recording && route instanceof RouteDefinition definition && definition.getInput() != null
                && isInternal(definition.getInput().getEndpointUri())) {
            init(camelContext); // as the parent does for every route: the tracer's notifier still starts
            return null;
        }
        return super.createRoutePolicy(camelContext, routeId, route);
    }

    @Override
    protected SpanDecorator getSpanDecorator(Endpoint endpoint) {
        if (!recording && isInternal(endpoint.getEndpointUri())) {
            return NO_SPAN;
        }
        return super.getSpanDecorator(endpoint);
    }
}
