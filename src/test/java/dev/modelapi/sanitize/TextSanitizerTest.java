package dev.modelapi.sanitize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import java.util.List;
import java.util.Map;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class TextSanitizerTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final TextSanitizer sanitizer = new TextSanitizer(new SanitizeProperties(DataSize.ofBytes(32), java.util.Map.of(), 64, 512, 0.05), meters);

    static PredictionTask task(String text) {
        return new PredictionTask("r", 0, "http", "anonymous", text, new EnsembleSpec(List.of(), EnsembleMethod.SOFT, Map.of()), 0);
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
}
