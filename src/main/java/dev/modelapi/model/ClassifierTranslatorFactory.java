package dev.modelapi.model;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.modality.Classifications;
import ai.djl.translate.ArgumentsUtil;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link ClassifierTranslator} for a model directory the way DJL's
 * {@code TextClassificationTranslatorFactory} builds its translator: the tokenizer from
 * {@code tokenizer.json} with the {@code serving.properties} arguments (maxLength, truncation,
 * padding, addSpecialTokens, doLowerCase, ...), {@code includeTokenTypes} and {@code int32} from
 * the same arguments, and sigmoid or softmax as {@link ModelDirectory#independentScores()} says.
 * Public for bench/InProcessBench.java, which runs DJL alone with the service's translator
 * (BenchSourcesTest compiles the benchmarks).
 */
public final class ClassifierTranslatorFactory implements TranslatorFactory {

    private final ModelDirectory directory;

    /** @param directory the model's checked directory: its labels and problem type */
    public ClassifierTranslatorFactory(ModelDirectory directory) {
        this.directory = directory;
    }

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return Set.of(new Pair<>(String.class, Classifications.class));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (input != String.class || output != Classifications.class) {
            throw new IllegalArgumentException("only String -> Classifications: " + input + " -> " + output);
        }
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder(arguments)
                    .optTokenizerPath(model.getModelPath())
                    .optManager(model.getNDManager())
                    .build();
            boolean truncates = !"DO_NOT_TRUNCATE".equals(tokenizer.getTruncation());
            return (Translator<I, O>) new ClassifierTranslator(tokenizer, directory.labels(),
                    directory.independentScores(),
                    ArgumentsUtil.booleanValue(arguments, "includeTokenTypes"),
                    ArgumentsUtil.booleanValue(arguments, "int32"),
                    ArgumentsUtil.booleanValue(arguments, "addSpecialTokens", true),
                    lowerCase(arguments),
                    truncates ? tokenizer.getMaxLength() : -1);
        } catch (IOException e) {
            throw new TranslateException("Failed to load tokenizer.", e);
        }
    }

    /** DJL's {@code doLowerCase}: "true" lowercases in the default locale, a language tag in that locale. */
    private static Locale lowerCase(Map<String, ?> arguments) {
        Object value = arguments.get("doLowerCase");
        String setting = value == null ? "false" : value.toString();
        return switch (setting) {
            case "false" -> null;
            case "true" -> Locale.getDefault();
            default -> Locale.forLanguageTag(setting);
        };
    }
}
