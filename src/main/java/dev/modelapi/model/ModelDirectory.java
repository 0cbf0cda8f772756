package dev.modelapi.model;

import dev.modelapi.digest.Sha256;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A model directory in the layout {@code djl-convert} writes for a HuggingFace text classifier:
 * {@code <name>/<version>/} with the TorchScript file, {@code tokenizer.json}, {@code config.json}
 * and {@code serving.properties}. Checked before DJL sees it, so that a broken directory fails
 * with the file at fault named instead of a native stack trace.
 *
 * @param name the model's name: the directory above the version directory
 * @param version the version: the directory's own name
 * @param path the version directory
 * @param modelFile the TorchScript file, {@code <option.modelName>.pt}
 * @param labels the labels in id order, from {@code config.json}'s {@code id2label}
 * @param problemType {@code config.json}'s {@code problem_type}, "" when it has none
 * @param properties {@code serving.properties}, as written
 */
public record ModelDirectory(
        String name, String version, Path path, Path modelFile, List<String> labels, String problemType,
        Properties properties) {

    public static final String SERVING_PROPERTIES = "serving.properties";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String CONFIG = "config.json";
    static final String ENGINE = "PyTorch";
    static final String TRANSLATOR_FACTORY = "ai.djl.huggingface.translator.TextClassificationTranslatorFactory";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    public ModelDirectory {
        labels = List.copyOf(labels);
    }

    /**
     * SHA-256 over what decides the version's answers: the TorchScript file, the tokenizer, the
     * config (labels) and serving.properties, each file's name and bytes in that order. Two copies of
     * the same files have the same fingerprint on every instance; a version whose files changed
     * under the same number has another one (the prediction cache keys on it).
     */
    public String fingerprint() throws IOException {
        List<String> parts = new ArrayList<>();
        for (Path file : List.of(modelFile, path.resolve(TOKENIZER), path.resolve(CONFIG), path.resolve(SERVING_PROPERTIES))) {
            if (Files.isRegularFile(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    parts.add(file.getFileName().toString());
                    parts.add(Sha256.hex(in));
                }
            }
        }
        return Sha256.hexOf("", parts.toArray(String[]::new));
    }

    /** Reads and checks a version directory; every problem names the file it is in. */
    public static ModelDirectory read(Path versionDir) throws ModelLoadException {
        Path dir = versionDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir, "not a directory");
        }
        Path parent = dir.getParent();
        String name = parent == null ? dir.getFileName().toString() : parent.getFileName().toString();
        String version = dir.getFileName().toString();

        Properties properties = readServingProperties(dir.resolve(SERVING_PROPERTIES));
        String modelName = properties.getProperty("option.modelName", name);
        Path modelFile = dir.resolve(modelName + ".pt");
        checkTorchScript(modelFile);
        checkTokenizer(dir.resolve(TOKENIZER));
        Path configFile = dir.resolve(CONFIG);
        JsonNode config = readConfig(configFile);
        List<String> labels = readLabels(configFile, config);
        return new ModelDirectory(name, version, dir, modelFile, labels, config.path("problem_type").asText(""), properties);
    }

    /** {@code name:version}, the form requests and logs use. */
    public String id() {
        return name + ":" + version;
    }

    /**
     * Whether each label's score stands alone (sigmoid) rather than the labels sharing one softmax:
     * multi-label models, and a single logit without a problem type, as DJL's translator decides.
     */
    public boolean independentScores() {
        return "multi_label_classification".equals(problemType)
                || !"single_label_classification".equals(problemType) && labels.size() == 1;
    }

    /** Whether the model takes {@code token_type_ids} as its third input. */
    public boolean includesTokenTypes() {
        return Boolean.parseBoolean(properties.getProperty("includeTokenTypes", "false"));
    }

    private static Properties readServingProperties(Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "missing; djl-convert writes it next to the model");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelLoadException(file, "unreadable: " + e.getMessage(), e);
        }
        String engine = properties.getProperty("engine", ENGINE);
        if (!ENGINE.equals(engine)) {
            throw new ModelLoadException(file, "engine=" + engine + " is not served; only " + ENGINE);
        }
        String factory = properties.getProperty("translatorFactory", TRANSLATOR_FACTORY);
        if (!TRANSLATOR_FACTORY.equals(factory)) {
            throw new ModelLoadException(file, "translatorFactory=" + factory
                    + " is not a text classifier; expected " + TRANSLATOR_FACTORY);
        }
        return properties;
    }

    private static void checkTorchScript(Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "missing TorchScript file (named after option.modelName)");
        }
        byte[] head = new byte[ZIP_MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length || !Arrays.equals(head, ZIP_MAGIC)) {
                throw new ModelLoadException(file, "not a TorchScript archive (torch.jit.save writes a zip file)");
            }
        } catch (IOException e) {
            throw new ModelLoadException(file, "unreadable: " + e.getMessage(), e);
        }
    }

    private static void checkTokenizer(Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "missing; a HuggingFace fast tokenizer is required");
        }
        JsonNode tokenizer = readJson(file);
        if (!tokenizer.path("model").isObject()) {
            throw new ModelLoadException(file, "has no \"model\" section; not a HuggingFace tokenizer.json");
        }
    }

    private static JsonNode readConfig(Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "missing; it holds id2label");
        }
        return readJson(file);
    }

    private static List<String> readLabels(Path file, JsonNode config) throws ModelLoadException {
        JsonNode id2label = config.path("id2label");
        if (!id2label.isObject() || id2label.isEmpty()) {
            throw new ModelLoadException(file, "has no id2label; the labels cannot be named");
        }
        TreeMap<Integer, String> byId = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : (Iterable<Map.Entry<String, JsonNode>>) id2label::fields) {
            try {
                byId.put(Integer.parseInt(entry.getKey()), entry.getValue().asText());
            } catch (NumberFormatException e) {
                throw new ModelLoadException(file, "id2label key \"" + entry.getKey() + "\" is not an integer");
            }
        }
        if (byId.firstKey() != 0 || byId.lastKey() != byId.size() - 1) {
            throw new ModelLoadException(file, "id2label ids must run from 0 to " + (byId.size() - 1));
        }
        List<String> labels = new ArrayList<>(byId.values());
        if (labels.stream().distinct().count() != labels.size()) {
            throw new ModelLoadException(file, "id2label names a label twice");
        }
        return labels;
    }

    private static JsonNode readJson(Path file) throws ModelLoadException {
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new ModelLoadException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelLoadException(file, "unreadable: " + e.getMessage(), e);
        }
    }
}
