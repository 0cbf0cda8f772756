package dev.modelapi.model;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.modality.Classifications;
import ai.djl.translate.ArgumentsUtil;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link ClassifierTranslator} for a model directory the way DJL's
 * {@code TextClassificationTranslatorFactory} builds its translator: the tokenizer from
 * {@code tokenizer.json} with the {@code serving.properties} arguments (maxLength, truncation,
 * padding, addSpecialTokens, doLowerCase, ...), {@code includeTokenTypes} and {@code int32} from
 * the same arguments, and sigmoid or softmax by {@code config.json}'s {@code problem_type} and
 * label count.
 */
public final class ClassifierTranslatorFactory implements TranslatorFactory {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> labels;

    /** @param labels the model's labels in id order ({@code config.json}'s {@code id2label}) */
    public ClassifierTranslatorFactory(List<String> labels) {
        this.labels = List.copyOf(labels);
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
        Path modelPath = model.getModelPath();
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.builder(arguments)
                    .optTokenizerPath(modelPath)
                    .optManager(model.getNDManager())
                    .build();
            boolean truncates = !"DO_NOT_TRUNCATE".equals(tokenizer.getTruncation());
            return (Translator<I, O>) new ClassifierTranslator(tokenizer, labels, sigmoid(modelPath),
                    ArgumentsUtil.booleanValue(arguments, "includeTokenTypes"),
                    ArgumentsUtil.booleanValue(arguments, "int32"),
                    ArgumentsUtil.booleanValue(arguments, "addSpecialTokens", true),
                    lowerCase(arguments),
                    truncates ? tokenizer.getMaxLength() : -1);
        } catch (IOException e) {
            throw new TranslateException("Failed to load tokenizer.", e);
        }
    }

    /** Independent scores (sigmoid) for multi-label models and single-logit models, as DJL decides. */
    private boolean sigmoid(Path modelPath) throws IOException {
        JsonNode config = JSON.readTree(modelPath.resolve(ModelDirectory.CONFIG).toFile());
        String problemType = config.path("problem_type").asText("");
        if ("multi_label_classification".equals(problemType)) {
            return true;
        }
        return !"single_label_classification".equals(problemType) && labels.size() == 1;
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
