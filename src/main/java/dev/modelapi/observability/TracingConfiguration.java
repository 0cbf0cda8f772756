package dev.modelapi.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.opentelemetry.OpenTelemetryTracer;
import org.apache.camel.opentelemetry.OpenTelemetryTracingStrategy;
import org.apache.camel.opentelemetry.starter.OpenTelemetryConfigurationProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenTelemetry SDK that camel-opentelemetry makes its spans with (it takes the {@link Tracer}
 * and {@link ContextPropagators} beans): W3C {@code traceparent} in and out, spans batched to the
 * OTLP endpoint when one is set, and to any other {@link SpanExporter} bean (the tests' in-memory one).
 */
@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TracingConfiguration.class);

    @Bean
    ContextPropagators contextPropagators() {
        return ContextPropagators.create(TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(),
                W3CBaggagePropagator.getInstance()));
    }

    /**
     * With nowhere to send spans (no OTLP endpoint, no exporter bean) nothing is recorded: spans
     * still carry trace and span ids, so {@code traceparent} is continued and logs name the trace,
     * but recording every span of every request only to drop it cost about a fifth of the
     * throughput under load (docs/performance.md).
     */
    @Bean(destroyMethod = "close")
    OpenTelemetrySdk openTelemetry(TracingProperties settings, ContextPropagators propagators,
            ObjectProvider<SpanExporter> exporters, Environment environment) {
        jaegerAgentWarning(environment, settings).ifPresent(log::warn);
        SdkTracerProviderBuilder tracing = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), settings.serviceName()))));
        boolean exporting = false;
        if (!settings.otlpEndpoint().isBlank()) {
            String endpoint = settings.otlpEndpoint().replaceAll("/+$", "") + "/v1/traces";
            tracing.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
                    .build()).build());
            exporting = true;
        }
        for (SpanExporter exporter : exporters.orderedStream().toList()) {
            tracing.addSpanProcessor(SimpleSpanProcessor.create(exporter));
            exporting = true;
        }
        tracing.setSampler(exporting ? Sampler.parentBased(Sampler.traceIdRatioBased(settings.samplingRatio()))
                : Sampler.alwaysOff());
        if (!exporting) {
            log.info("Tracing: no OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT) set, so spans are not recorded; "
                    + "trace ids are still propagated and logged");
        }
        return OpenTelemetrySdk.builder().setTracerProvider(tracing.build()).setPropagators(propagators).build();
    }

    /**
     * The seed's {@code JAEGER_AGENT_HOST} / {@code JAEGER_AGENT_PORT} configure nothing here (the
     * Jaeger agent and its Thrift protocol are retired; Jaeger takes OTLP itself): set, they get a
     * warning naming the setting that does trace, instead of silently tracing nowhere.
     */
    static Optional<String> jaegerAgentWarning(Environment environment, TracingProperties settings) {
        String host = environment.getProperty("JAEGER_AGENT_HOST", "");
        String port = environment.getProperty("JAEGER_AGENT_PORT", "");
        if (host.isBlank() && port.isBlank()) {
            return Optional.empty();
        }
        String set = (host.isBlank() ? "" : "JAEGER_AGENT_HOST=" + host) + (host.isBlank() || port.isBlank() ? "" : " and ")
                + (port.isBlank() ? "" : "JAEGER_AGENT_PORT=" + port);
        String instead = "OTEL_EXPORTER_OTLP_ENDPOINT=http://" + (host.isBlank() ? "<jaeger-host>" : host) + ":4318";
        return Optional.of(set + " " + (host.isBlank() || port.isBlank() ? "is" : "are") + " ignored: this service "
                + "sends traces by OTLP/HTTP, which Jaeger receives on port 4318. "
                + (settings.otlpEndpoint().isBlank() ? "Set " + instead + " to trace to Jaeger; no traces are exported now."
                        : "Traces go to OTEL_EXPORTER_OTLP_ENDPOINT=" + settings.otlpEndpoint() + "."));
    }

    @Bean
    Tracer tracer(OpenTelemetry openTelemetry) {
        return openTelemetry.getTracer("model-api-service");
    }

    /**
     * Camel's tracer, in place of the one camel-opentelemetry-starter makes (it steps aside for
     * this bean) and set up as it does from {@code camel.opentelemetry.*}; with nothing recorded,
     * without spans for the hops inside the service ({@link RequestTracer}).
     */
    @Bean
    OpenTelemetryTracer openTelemetryTracer(CamelContext camel, OpenTelemetrySdk openTelemetry, Tracer tracer,
            ContextPropagators propagators, ObjectProvider<OpenTelemetryConfigurationProperties> camelSettings) {
        RequestTracer camelTracer = new RequestTracer(recording(openTelemetry));
        camelTracer.setTracer(tracer);
        camelTracer.setContextPropagators(propagators);
        OpenTelemetryConfigurationProperties settings = camelSettings.getIfAvailable();
        if (settings != null) {
            if (settings.getExcludePatterns() != null) {
                camelTracer.setExcludePatterns(settings.getExcludePatterns());
            }
            if (settings.getEncoding() != null) {
                camelTracer.setEncoding(settings.getEncoding());
            }
            if (Boolean.TRUE.equals(settings.getTraceProcessors())) {
                OpenTelemetryTracingStrategy strategy = new OpenTelemetryTracingStrategy(camelTracer);
                strategy.setPropagateContext(true);
                camelTracer.setTracingStrategy(strategy);
            }
        }
        camelTracer.init(camel);
        return camelTracer;
    }

    /** Whether the SDK records spans: it samples none when nothing exports them. */
    static boolean recording(OpenTelemetrySdk openTelemetry) {
        return openTelemetry.getSdkTracerProvider().getSampler() != Sampler.alwaysOff();
    }
}
