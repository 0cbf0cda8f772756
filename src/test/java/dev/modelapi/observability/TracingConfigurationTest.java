package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.mock.env.MockEnvironment;

class TracingConfigurationTest {

    private final TracingConfiguration configuration = new TracingConfiguration();

    @Test
    void shouldRecordNoSpanWhenNothingExportsThemButStillGiveEachAnId() {
        try (OpenTelemetrySdk sdk = sdk(List.of())) {
            Span span = sdk.getTracer("test").spanBuilder("request").startSpan();

            assertThat(span.isRecording()).isFalse();
            assertThat(span.getSpanContext().isValid()).isTrue();
            span.end();
        }
    }

    @Test
    void shouldRecordAndExportSpansWhenAnExporterIsThere() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (OpenTelemetrySdk sdk = sdk(List.of(exporter))) {
            Span span = sdk.getTracer("test").spanBuilder("request").startSpan();
            span.end();

            assertThat(span.isRecording()).isFalse(); // ended
            assertThat(exporter.getFinishedSpanItems()).extracting(s -> s.getName()).containsExactly("request");
        }
    }

    private OpenTelemetrySdk sdk(List<SpanExporter> exporters) {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        for (int i = 0; i < exporters.size(); i++) {
            beans.addBean("exporter" + i, exporters.get(i));
        }
        return configuration.openTelemetry(new TracingProperties("", "test", 1.0), configuration.contextPropagators(),
                beans.getBeanProvider(SpanExporter.class), new MockEnvironment());
    }

    @Test
    void shouldSayNothingWithoutTheSeedsJaegerAgentSettings() {
        assertThat(TracingConfiguration.jaegerAgentWarning(new MockEnvironment(), new TracingProperties("", "test", 1.0)))
                .isEmpty();
    }

    @Test
    void shouldWarnThatTheJaegerAgentSettingsAreIgnoredAndNameTheOtlpSettingToUse() {
        MockEnvironment seed = new MockEnvironment().withProperty("JAEGER_AGENT_HOST", "jaeger")
                .withProperty("JAEGER_AGENT_PORT", "14268");

        assertThat(TracingConfiguration.jaegerAgentWarning(seed, new TracingProperties("", "test", 1.0))).hasValue(
                "JAEGER_AGENT_HOST=jaeger and JAEGER_AGENT_PORT=14268 are ignored: this service sends traces by OTLP/HTTP,"
                        + " which Jaeger receives on port 4318. Set OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318 to"
                        + " trace to Jaeger; no traces are exported now.");
        assertThat(TracingConfiguration.jaegerAgentWarning(new MockEnvironment().withProperty("JAEGER_AGENT_PORT", "6831"),
                new TracingProperties("http://collector:4318", "test", 1.0))).hasValue(
                "JAEGER_AGENT_PORT=6831 is ignored: this service sends traces by OTLP/HTTP, which Jaeger receives on port"
                        + " 4318. Traces go to OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318.");
    }
}
