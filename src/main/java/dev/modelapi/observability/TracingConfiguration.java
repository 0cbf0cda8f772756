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
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenTelemetry SDK that camel-opentelemetry makes its spans with (it takes the {@link Tracer}
 * and {@link ContextPropagators} beans): W3C {@code traceparent} in and out, spans batched to the
 * OTLP endpoint when one is set, and to any other {@link SpanExporter} bean (the tests' in-memory one).
 */
@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

    @Bean
    ContextPropagators contextPropagators() {
        return ContextPropagators.create(TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(),
                W3CBaggagePropagator.getInstance()));
    }

    @Bean(destroyMethod = "close")
    OpenTelemetrySdk openTelemetry(TracingProperties settings, ContextPropagators propagators,
            ObjectProvider<SpanExporter> exporters) {
        SdkTracerProviderBuilder tracing = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), settings.serviceName()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.samplingRatio())));
        if (!settings.otlpEndpoint().isBlank()) {
            String endpoint = settings.otlpEndpoint().replaceAll("/+$", "") + "/v1/traces";
            tracing.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
                    .build()).build());
        }
        exporters.orderedStream().forEach(exporter -> tracing.addSpanProcessor(SimpleSpanProcessor.create(exporter)));
        return OpenTelemetrySdk.builder().setTracerProvider(tracing.build()).setPropagators(propagators).build();
    }

    @Bean
    Tracer tracer(OpenTelemetry openTelemetry) {
        return openTelemetry.getTracer("model-api-service");
    }
}
