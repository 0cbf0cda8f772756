package dev.modelapi.sanitize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.securityevents.SecurityEvent;
import dev.modelapi.testsupport.RecordedSecurityEvents;
import java.util.List;
import java.util.Map;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class TextSanitizerTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final RecordedSecurityEvents events = new RecordedSecurityEvents();
    final TextSanitizer sanitizer = new TextSanitizer(new SanitizeProperties(DataSize.ofBytes(32), Map.of(), 64, 512, 0.05),
            meters, events.recorder);

    static PredictionTask task(String text) {
        return new PredictionTask("r", 0, "http", "anonymous", text, new EnsembleSpec(List.of(), EnsembleMethod.SOFT, Map.of()), 0);
    }

    @Test
    void shouldRefuseByPolicyAndRecordTheRefusalAsASecurityEvent() {
        TextSanitizer strict = new TextSanitizer(new SanitizeProperties(DataSize.ofKilobytes(1),
                Map.of("bidi-control", SanitizeProperties.Policy.REJECT), 64, 512, 0.05), meters, events.recorder);
        PredictionTask task = new PredictionTask("req-9", 2, "kafka", "mailer", "pay \u202Eusd\u202C now",
                new EnsembleSpec(List.of(), EnsembleMethod.SOFT, Map.of()), 0);

        assertThatThrownBy(() -> strict.sanitize(task)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("bidi_control");

        assertThat(events.events).singleElement().satisfies(event -> {
            assertThat(event.reason()).isEqualTo("rejected_input");
            assertThat(event.status()).isEqualTo(400);
            assertThat(event.channel()).isEqualTo("kafka");
            assertThat(event.principal()).isEqualTo("mailer");
            assertThat(event.requestId()).isEqualTo("req-9");
            assertThat(event.detail()).isEqualTo("text 2 was refused: bidi_control");
        });
        // a text refused for its size is the caller's mistake, not a security event
        assertThatThrownBy(() -> sanitizer.sanitize(task("x".repeat(40)))).isInstanceOf(InvalidRequestException.class);
        assertThat(events.events).extracting(SecurityEvent::reason).containsExactly("rejected_input");
    }

    @Test
    void shouldNormaliseToNfkc() {
        PredictionTask task = task("ﬁnal ＦＲＥＥ ①");

        sanitizer.sanitize(task);

        assertThat(task.text()).isEqualTo("final FREE 1");
        assertThat(task.charactersRemoved()).isZero();
    }

    @Test
    void shouldStripAndCountControlAndInvisibleCharacters() {
        PredictionTask task = task("fr\u200Bee\u0000 mo\u202Eney\u00AD\n\tnow\uFEFF");

        sanitizer.sanitize(task);

        assertThat(task.text()).isEqualTo("free money\n\tnow");
        assertThat(task.charactersRemoved()).isEqualTo(5);
        assertThat(meters.get("modelapi.sanitize.removed.characters").counter().count()).isEqualTo(5);
        assertThat(task.inputLength()).isEqualTo(20);
    }

    @Test
    void shouldRefuseATextThatIsEmptyOnceStripped() {
        assertThatThrownBy(() -> sanitizer.sanitize(task(" \u200B\u200C \n")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("empty_text");
                });
        assertThat(meters.get("modelapi.sanitize.refused").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldRefuseATextOverTheSizeLimitInUtf8Bytes() {
        String elevenEuros = "€".repeat(11); // 11 characters, 33 bytes

        assertThatThrownBy(() -> sanitizer.sanitize(task(elevenEuros)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400); // a field over its limit; 413 is for the body
                    assertThat(e.code()).isEqualTo("text_too_large");
                });
    }

    @Test
    void shouldKeepSurrogatePairs() {
        PredictionTask task = task("win 💰 now");

        sanitizer.sanitize(task);

        assertThat(task.text()).isEqualTo("win 💰 now");
    }

    @Test
    void shouldPassACleanTextOnAsTheSameStringWithoutCopyingIt() {
        String clean = "lunch\nat noon? caf\u00e9 \ud83d\ude00";
        PredictionTask task = task(clean);

        sanitizer.sanitize(task);

        assertThat(task.text()).isSameAs(clean);
        assertThat(task.charactersRemoved()).isZero();
    }

    @Test
    void shouldCountUtf8BytesAsTheEncoderWritesThem() {
        java.util.Random random = new java.util.Random(13);
        List<String> texts = new java.util.ArrayList<>(List.of("", "plain", "caf\u00e9", "\u20ac10", "\ud83d\ude00 smile",
                "lone \ud83d high", "lone \ude00 low", "end \ud83d", "\u0000\u007f\u0080\u07ff\u0800\uffff"));
        for (int n = 0; n < 2_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int c = random.nextInt(40); c > 0; c--) {
                text.append((char) (random.nextBoolean() ? random.nextInt(0x900) : random.nextInt(0x10000)));
            }
            texts.add(text.toString());
        }

        for (String text : texts) {
            assertThat(TextSanitizer.utf8Length(text)).as(text)
                    .isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
    }
}
