package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lean translator hands the model exactly what DJL's translator would: the same ids, attention
 * mask and token types, for every held-out message alone and in batches, with every demo tokenizer
 * (WordPiece, byte-level BPE, Unigram with Metaspace), also where it tokenised only a cut of the text.
 */
class ClassifierTranslatorTest {

    static List<String> demoModels() {
        return EvalData.modelsWithReferenceLogits();
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldTokeniseEveryHeldOutMessageAsDjlDoes(String name) throws Exception {
        List<String> texts = EvalData.testSplit().stream().map(EvalData.Message::text).toList();
        try (HuggingFaceTokenizer djl = tokenizerOf(name); HuggingFaceTokenizer lean = tokenizerOf(name)) {
            ClassifierTranslator translator = translator(name, lean);
            long cut = texts.stream().filter(t -> t.length() > translator.cutChars()).count();
            assertThat(cut).as("messages long enough to be cut").isGreaterThan(100);

            for (String text : texts) {
                assertSame(djl.batchEncode(List.of(text)), translator.encode(List.of(text)), name, text);
            }
            for (int from = 0; from < texts.size(); from += 8) {
                List<String> batch = texts.subList(from, Math.min(from + 8, texts.size()));
                assertSame(djl.batchEncode(batch), translator.encode(batch), name, "batch at " + from);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldTokeniseTextsThatAreHardToCutAsDjlDoes(String name) throws Exception {
        List<String> texts = new ArrayList<>();
        texts.add("x".repeat(5000)); // no whitespace at all: never cut
        texts.add("word ".repeat(2000)); // cut after a letter
        texts.add("a, ".repeat(1000) + "end"); // whitespace only after punctuation near the cut
        texts.add("\u00e9t\u00e9\u0301 ".repeat(800)); // combining accents next to the cut
        texts.add("naïve\u00a0café ".repeat(700)); // no-break spaces, which normalizers turn into spaces
        texts.add("\u4e2d\u6587\u5b57 ".repeat(900)); // CJK, split per character by BERT
        texts.add("\ud83d\ude00\ud83d\ude00 ".repeat(900)); // surrogate pairs before every space
        texts.add("thisisaverylongwordwithoutanybreak ".repeat(400)); // many tokens per word
        texts.add("spaces   \t\n  between\r\n".repeat(500)); // runs of mixed whitespace
        texts.add("1234 5678 ".repeat(600)); // digits
        texts.add("short text"); // never cut
        texts.add("x".repeat(1300) + " " + "tail ".repeat(10)); // cut leaves a text that fits: tokenised again whole
        try (HuggingFaceTokenizer djl = tokenizerOf(name); HuggingFaceTokenizer lean = tokenizerOf(name)) {
            ClassifierTranslator translator = translator(name, lean);
            for (String text : texts) {
                assertSame(djl.batchEncode(List.of(text)), translator.encode(List.of(text)), name, text);
            }
            assertSame(djl.batchEncode(texts), translator.encode(texts), name, "all of them in one batch");
        }
    }

    @Test
    void shouldCutJustBeforeAWhitespaceThatFollowsALetterOrDigit() {
        assertThat(ClassifierTranslator.cut("short", 10)).isEqualTo("short");
        assertThat(ClassifierTranslator.cut("abcdefghij klmno", 5)).isEqualTo("abcdefghij");
        assertThat(ClassifierTranslator.cut("abc, def ghi", 3)).isEqualTo("abc, def");
        assertThat(ClassifierTranslator.cut("abc   def", 4)).isEqualTo("abc   def"); // no letter before a space after 4
        assertThat(ClassifierTranslator.cut("abcdefghijklmnop", 4)).isEqualTo("abcdefghijklmnop");
        assertThat(ClassifierTranslator.cut("abcd\u00a0efgh ijk", 2)).isEqualTo("abcd\u00a0efgh"); // NBSP is no cut point
    }

    private static void assertSame(Encoding[] expected, ClassifierTranslator.Encoded actual, String model, String what) {
        String label = model + ": " + (what.length() > 60 ? what.substring(0, 60) + "..." : what);
        assertThat(actual.ids().length).as(label).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual.ids()[i]).as("ids of %s #%d", label, i).containsExactly(expected[i].getIds());
            assertThat(actual.attentionMask()[i]).as("mask of %s #%d", label, i)
                    .containsExactly(expected[i].getAttentionMask());
            if (actual.typeIds() != null) {
                assertThat(actual.typeIds()[i]).as("types of %s #%d", label, i).containsExactly(expected[i].getTypeIds());
            }
        }
    }

    private static ClassifierTranslator translator(String name, HuggingFaceTokenizer tokenizer) throws Exception {
        ModelDirectory directory = ModelDirectory.read(EvalData.MODELS.resolve(name).resolve("1"));
        return new ClassifierTranslator(tokenizer, directory.labels(), false, directory.includesTokenTypes(), false,
                true, null, tokenizer.getMaxLength());
    }

    private static HuggingFaceTokenizer tokenizerOf(String name) throws Exception {
        Path dir = EvalData.MODELS.resolve(name).resolve("1");
        Properties properties = ModelDirectory.read(dir).properties();
        Map<String, String> arguments = new HashMap<>();
        properties.stringPropertyNames().stream().filter(k -> !k.startsWith("option."))
                .forEach(k -> arguments.put(k, properties.getProperty(k)));
        return HuggingFaceTokenizer.builder(arguments).optTokenizerPath(dir).build();
    }
}
