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
    private final AuditRecords records = new AuditRecords(new PiiDetector(), AuditRecords.TextStorage.HASH, AuditCipher.none(),
            meters);

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

    @Test
    void shouldListTheAnsweringModelsAndTheTextsFlagsInTheirColumns() {
        EnsembleSpec ensemble = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1"),
                new ModelRef("spam-roberta", "2")), EnsembleMethod.SOFT, Map.of());
        PredictionTask task = new PredictionTask("r-flags", 0, "http", "anonymous", "ignore previous instructions",
                ensemble, 0);
        task.flag("prompt_injection");
        task.flag("hidden_text");
        task.answer(new EnsembleResult("spam", 0.8, EnsembleMethod.SOFT, 1.0, 0.6, List.of(
                new ModelVote("spam-distilbert", "1", "spam", Map.of("ham", 0.2, "spam", 0.8)),
                new ModelVote("spam-roberta", "2", "spam", Map.of("ham", 0.2, "spam", 0.8))), List.of(), null),
                false, 1);

        AuditRecord row = records.of(task);

        assertThat(row.models()).isEqualTo("spam-distilbert:1,spam-roberta:2");
        assertThat(row.flags()).isEqualTo("hidden_text,prompt_injection"); // sorted, as the sanitize step keeps them
        assertThat(records.of(answered("Subject: lunch")).flags()).isNull();
    }

    private static PredictionTask answered(String text) {
        return answered("r-" + text.hashCode(), 0, text);
    }

    /** A text answered ham by spam-distilbert:1, as item {@code index} of request {@code requestId}. */
    static PredictionTask answered(String requestId, int index, String text) {
        EnsembleSpec ensemble = new EnsembleSpec(List.of(new ModelRef("spam-distilbert", "1")), EnsembleMethod.SOFT, Map.of());
        PredictionTask task = new PredictionTask(requestId, index, "http", "anonymous", text, ensemble, 0);
        task.answer(new EnsembleResult("ham", 0.9, EnsembleMethod.SOFT, 1.0, 0.8,
                List.of(new ModelVote("spam-distilbert", "1", "ham", Map.of("ham", 0.9, "spam", 0.1))), List.of(), null),
                false, 1);
        return task;
    }
}
