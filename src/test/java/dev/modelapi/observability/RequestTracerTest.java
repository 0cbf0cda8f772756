package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Producer;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.event.DefaultEventFactory;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.tracing.ActiveSpanManager;
import org.apache.camel.tracing.SpanAdapter;
import org.junit.jupiter.api.Test;

/**
 * Camel's tracer as the service sets it up: without an exporter the hops inside the service
 * ({@code direct:}, {@code seda:}) open no span and carry the entry route's; with one, every hop
 * has its own span, as camel-opentelemetry makes them.
 */
class RequestTracerTest {

    /** Span ids seen by the routes, by route id: the trace id and span id of the active span. */
    private final Map<String, List<String>> seen = new ConcurrentHashMap<>();

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    /** Exchange events made, by kind: Camel makes one only for a notifier that does not ignore it. */
    private final AtomicInteger created = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger sending = new AtomicInteger();

    @Test
    void shouldGiveTheHopsInsideTheServiceTheEntryRoutesSpanWhenNothingIsRecorded() throws Exception {
        try (OpenTelemetrySdk sdk = sdk(false)) {
            assertThat(TracingConfiguration.recording(sdk)).isFalse();
            run(sdk);
        }

        List<String> entry = seen.get("entry");
        assertThat(entry.get(0)).as("the caller's trace continues").isEqualTo(TRACE_ID);
        assertThat(entry.get(1)).as("the entry route's own span").isNotEqualTo(PARENT_SPAN_ID);
        assertThat(seen.get("inner")).as("direct: opens no span").isEqualTo(entry);
        assertThat(seen.get("queued")).as("seda: opens no span").isEqualTo(entry);
        assertThat(seen.get("outer")).as("a send to another way out still opens one")
                .element(0).isEqualTo(TRACE_ID);
        assertThat(seen.get("outer").get(1)).isNotEqualTo(entry.get(1));
    }

    @Test
    void shouldGiveEveryHopItsOwnSpanWhenSpansAreRecorded() throws Exception {
        List<String> exported;
        try (OpenTelemetrySdk sdk = sdk(true)) {
            assertThat(TracingConfiguration.recording(sdk)).isTrue();
            run(sdk);
            exported = exporter.getFinishedSpanItems().stream().map(span -> span.getName()).toList();
        }

        List<String> entry = seen.get("entry");
        assertThat(entry.get(0)).isEqualTo(TRACE_ID);
        assertThat(seen.get("inner").get(0)).isEqualTo(TRACE_ID);
        assertThat(seen.get("inner").get(1)).isNotEqualTo(entry.get(1));
        assertThat(seen.get("queued").get(1)).isNotEqualTo(entry.get(1)).isNotEqualTo(seen.get("inner").get(1));
        assertThat(exported).contains("inner", "queued");
    }

    @Test
    void shouldMakeNoExchangeEventsTheTracerDoesNotRead() throws Exception {
        try (OpenTelemetrySdk sdk = sdk(false)) {
            run(sdk);
        }

        assertThat(seen.get("outer")).as("the trace still reaches the way out").element(0).isEqualTo(TRACE_ID);
        assertThat(sending).as("sends are what the tracer reads").hasPositiveValue();
        assertThat(created).as("no created event made for a notifier that drops it").hasValue(0);
        assertThat(completed).as("no completed event either").hasValue(0);
    }

    @Test
    void shouldQuietOnlyTheTracersNotifier() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            assertThat(RequestTracer.quietNotifier(camel)).as("no tracer yet").isZero();
            RequestTracer tracer = new RequestTracer(false);
            tracer.setTracer(OpenTelemetry.noop().getTracer("test"));
            tracer.init(camel);
            assertThat(RequestTracer.quietNotifier(camel)).isEqualTo(1);
        }
    }

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_SPAN_ID = "00f067aa0ba902b7";

    private OpenTelemetrySdk sdk(boolean recording) {
        var tracing = SdkTracerProvider.builder();
        if (recording) {
            tracing.addSpanProcessor(SimpleSpanProcessor.create(exporter)).setSampler(Sampler.alwaysOn());
        } else {
            tracing.setSampler(Sampler.alwaysOff());
        }
        return OpenTelemetrySdk.builder().setTracerProvider(tracing.build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    }

    private void run(OpenTelemetrySdk sdk) throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.getManagementStrategy().setEventFactory(new DefaultEventFactory() {
                @Override
                public CamelEvent createExchangeCreatedEvent(Exchange exchange) {
                    created.incrementAndGet();
                    return super.createExchangeCreatedEvent(exchange);
                }

                @Override
                public CamelEvent createExchangeCompletedEvent(Exchange exchange) {
                    completed.incrementAndGet();
                    return super.createExchangeCompletedEvent(exchange);
                }

                @Override
                public CamelEvent createExchangeSendingEvent(Exchange exchange, Endpoint endpoint) {
                    sending.incrementAndGet();
                    return super.createExchangeSendingEvent(exchange, endpoint);
                }
            });
            RequestTracer tracer = new RequestTracer(TracingConfiguration.recording(sdk));
            tracer.setTracer(sdk.getTracer("test"));
            tracer.setContextPropagators(sdk.getPropagators());
            tracer.init(camel);
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    // the entry: a way in that is not a hop inside the service
                    from("stub:entry").routeId("entry").process(e -> seen.put("entry", ids(e)))
                            .to("direct:inner").to("seda:queued?waitForTaskToComplete=Always")
                            .to("stub:outer");
                    from("direct:inner").routeId("inner").process(e -> seen.put("inner", ids(e)));
                    from("seda:queued").routeId("queued").process(e -> seen.put("queued", ids(e)));
                    from("stub:outer").routeId("outer").process(e -> seen.put("outer", ids(e)));
                }
            });
            camel.start();
            // the endpoint's own producer, as a caller outside Camel: a producer template would open a
            // client span of its own and put its traceparent in place of the caller's
            Exchange request = new DefaultExchange(camel);
            request.getIn().setBody("text");
            request.getIn().setHeader("traceparent", "00-" + TRACE_ID + "-" + PARENT_SPAN_ID + "-01");
            Producer producer = camel.getEndpoint("stub:entry").createProducer();
            producer.start();
            producer.process(request);
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey("outer"));
        }
    }

    private static List<String> ids(Exchange exchange) {
        SpanAdapter span = ActiveSpanManager.getSpan(exchange);
        return List.of(span.traceId(), span.spanId());
    }
}
