package dev.modelapi.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WarmUpTextsTest {

    private final WarmUpTexts texts = new WarmUpTexts("abc123");

    @Test
    void shouldBeMostlyChatLengthWithSomeEmailsLongerThanAWindow() {
        List<Integer> lengths = IntStream.range(0, 1_000).mapToObj(texts::text).map(String::length).toList();

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
}
