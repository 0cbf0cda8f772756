package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

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
                beans.getBeanProvider(SpanExporter.class));
    }
}
