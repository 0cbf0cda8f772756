package dev.modelapi.observability;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.NamedNode;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.opentelemetry.OpenTelemetryTracer;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.tracing.SpanDecorator;
import org.apache.camel.tracing.Tracer;
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
 *
 * <p>Either way, the tracer's event notifier is told to ignore the exchange events it never reads
 * (created, completed, failed, redelivery, step): Camel makes an event object for every exchange a
 * notifier does not ignore, and this one is the only notifier, so otherwise every split copy, wire
 * tap and batch would make two or more that it then drops ({@link #quietNotifier}).
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
    protected void doInit() {
        super.doInit();
        quietNotifier(getCamelContext());
    }

    /**
     * Tells camel-tracing's notifier (added by {@code Tracer.doInit}) to ignore the exchange events
     * it does not handle: it reads only sending, sent and async-processing-started events.
     *
     * @return how many notifiers were changed (1 once the tracer is initialised)
     */
    static int quietNotifier(CamelContext context) {
        int changed = 0;
        for (EventNotifier notifier : context.getManagementStrategy().getEventNotifiers()) {
            if (notifier.getClass().getEnclosingClass() == Tracer.class && notifier instanceof EventNotifierSupport events) {
                events.setIgnoreExchangeCreatedEvent(true);
                events.setIgnoreExchangeCompletedEvent(true);
                events.setIgnoreExchangeFailedEvents(true);
                events.setIgnoreExchangeRedeliveryEvents(true);
                events.setIgnoreStepEvents(true);
                events.setIgnoreServiceEvents(true);
                changed++;
            }
        }
        return changed;
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
