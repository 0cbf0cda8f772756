package dev.modelapi.observability;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Tracing ({@code modelapi.tracing.*}), from the standard OpenTelemetry environment variables.
 *
 * @param otlpEndpoint the OTLP/HTTP collector ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, e.g.
 *        {@code http://jaeger:4318}); blank: spans are made and propagated but not exported
 * @param serviceName the traces' service name ({@code OTEL_SERVICE_NAME})
 * @param samplingRatio share of new traces kept; a trace begun by the caller keeps its decision
 */
@Validated
@ConfigurationProperties("modelapi.tracing")
record TracingProperties(
        @NotNull @DefaultValue("") String otlpEndpoint,
        @NotBlank @DefaultValue("model-api-service") String serviceName,
        @DecimalMin("0.0") @DecimalMax("1.0") @DefaultValue("1.0") double samplingRatio) {
}
