package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pii.PiiDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditRecordsTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AuditRecords records = new AuditRecords(new PiiDetector(), AuditRecords.TextStorage.HASH, meters);

    @Test
    void shouldScanATextForPersonalDataOnceAndRememberWhatItFound() {
        String text = "Subject: invoice\n\nWrite to jane.doe@example.com about it";

        AuditRecord first = records.of(answered(text));
        AuditRecord again = records.of(answered(text));

        assertThat(first.pii()).isEqualTo("email");
        assertThat(again.pii()).isEqualTo("email");
        assertThat(again.inputSha256()).isEqualTo(first.inputSha256()).isEqualTo(AuditRecord.sha256(text));
        assertThat(meters.get("cache.gets").tag("cache", "audit-pii-kinds").tag("result", "hit")
                .functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("cache.gets").tag("cache", "audit-pii-kinds").tag("result", "miss")
                .functionCounter().count()).isEqualTo(1);
    }

    @Test
    void shouldRecordNoKindsForATextWithoutPersonalDataEvenWhenRemembered() {
        String text = "Subject: lunch\n\nSee you at noon";

        assertThat(records.of(answered(text)).pii()).isNull();
        assertThat(records.of(answered(text)).pii()).isNull();
    }

    private static PredictionTask answered(String text) {
        EnsembleSpec ensemble = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1")), EnsembleMethod.SOFT, Map.of());
        PredictionTask task = new PredictionTask("r-" + text.hashCode(), 0, "http", "anonymous", text, ensemble, 0);
        task.answer(new EnsembleResult("ham", 0.9, EnsembleMethod.SOFT, 1.0, 0.8,
                List.of(new ModelVote("spam-distilbert", "1", "ham", Map.of("ham", 0.9, "spam", 0.1))), List.of(), null),
                false, 1);
        return task;
    }
}
