package dev.modelapi.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.sanitize.DefaultSanitizer;
import dev.modelapi.sanitize.TextSanitizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.text.Normalizer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WarmUpTextsTest {

    private final WarmUpTexts texts = new WarmUpTexts("abc123");

    private final List<String> thousand = IntStream.range(0, 1_000).mapToObj(texts::text).toList();

    @Test
    void shouldBeMostlyChatLengthWithSomeEmailsLongerThanAWindow() {
        List<Integer> lengths = thousand.stream().map(String::length).toList();

        assertThat(lengths.stream().filter(n -> n < 200).count()).isBetween(750L, 850L);
        assertThat(lengths.stream().filter(n -> n >= 1_500).count()).isBetween(80L, 120L);
        // longer than a 256-token window's cut (maxLength * 5 characters), so that path runs too
        assertThat(lengths.stream().filter(n -> n > 1_280).count()).isGreaterThanOrEqualTo(80L);
    }

    @Test
    void shouldGiveEveryIndexItsOwnTextAndTheSameTextAgain() {
        Set<String> distinct = new HashSet<>();
        IntStream.range(0, 500).mapToObj(texts::text).forEach(distinct::add);

        assertThat(distinct).hasSize(500);
        assertThat(texts.text(42)).isEqualTo(texts.text(42)).endsWith("(ref abc123-42)");
        assertThat(new WarmUpTexts("other").text(42)).isNotEqualTo(texts.text(42));
    }

    /** The characters of real mail, so that the code compiled during the warm-up is the code callers need. */
    @Test
    void shouldCarryLineBreaksAndCharactersBeyondAsciiAsMailDoes() {
        long withLineBreaks = thousand.stream().filter(t -> t.indexOf('\n') >= 0).count();
        long beyondAscii = thousand.stream().filter(t -> t.chars().anyMatch(c -> c >= 0x80)).count();
        long withSurrogates = thousand.stream().filter(t -> t.chars().anyMatch(c -> Character.isHighSurrogate((char) c))).count();
        long changedByNfkc = thousand.stream().filter(t -> !Normalizer.isNormalized(t, Normalizer.Form.NFKC)).count();
        long quoting = thousand.stream().filter(t -> t.contains("\n> ")).count();
        long replacement = thousand.stream().filter(t -> t.indexOf('\uFFFD') >= 0).count();

        assertThat(withLineBreaks).isBetween(200L, 500L);
        assertThat(beyondAscii).isBetween(150L, 500L);
        assertThat(withSurrogates).isGreaterThanOrEqualTo(10L);
        assertThat(changedByNfkc).isGreaterThanOrEqualTo(50L);
        assertThat(quoting).isGreaterThanOrEqualTo(50L);
        assertThat(replacement).isGreaterThanOrEqualTo(50L);
    }

    /**
     * The warm-up must not show in the input-inspection counters: with the default inspection
     * settings, no warm-up text raises a flag or loses a character to the sanitizer.
     */
    @Test
    void shouldRaiseNoInspectionFlagAndLoseNoCharacter() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TextSanitizer sanitizer = DefaultSanitizer.withDefaults(meters);
        EnsembleSpec spec = new EnsembleSpec(List.of(), EnsembleMethod.SOFT, Map.of());

        for (int i = 0; i < 5_000; i++) {
            String text = texts.text(i);
            PredictionTask task = new PredictionTask("r", 0, "http", PredictionTask.WARM_UP_PRINCIPAL, text, spec, 0);
            sanitizer.sanitize(task);
            assertThat(task.flags()).as("text %d: %s", i, text).isEmpty();
            assertThat(task.charactersRemoved()).as("text %d", i).isZero();
        }
        assertThat(meters.find("modelapi.sanitize.flags").counters()).isEmpty();
    }
}
