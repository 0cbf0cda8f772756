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
 * @param checksums the SHA-256 of each file the checksum manifest ({@value #MANIFEST}) lists, by
 *     file name, as checked at read; empty without a manifest
 */
public record ModelDirectory(
        String name, String version, Path path, Path modelFile, List<String> labels, String problemType,
        Properties properties, Map<String, String> checksums) {

    /**
     * The checksum manifest of a version directory, in the format {@code sha256sum} writes
     * ({@code <hex>  <file>}, or {@code <hex> *<file>}): {@code cd <name>/<version> && sha256sum * > sha256sums}.
     */
    public static final String MANIFEST = "sha256sums";
    private static final java.util.regex.Pattern MANIFEST_LINE =
            java.util.regex.Pattern.compile("([0-9a-fA-F]{64}) [ *](.+)");

    public static final String SERVING_PROPERTIES = "serving.properties";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String CONFIG = "config.json";
    static final String ENGINE = "PyTorch";
    static final String TRANSLATOR_FACTORY = "ai.djl.huggingface.translator.TextClassificationTranslatorFactory";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    public ModelDirectory {
        labels = List.copyOf(labels);
        checksums = Map.copyOf(checksums);
    }

    /**
     * Whether a checksum manifest covered the files that decide the answers and every file it
     * lists matched it (read refuses a directory whose manifest does not hold).
     */
    public boolean verified() {
        return !checksums.isEmpty();
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
            String name = file.getFileName().toString();
            String checked = checksums.get(name);
            if (checked != null) {
                // read has just hashed it against the manifest: not again
                parts.add(name);
                parts.add(checked);
            } else if (Files.isRegularFile(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    parts.add(name);
                    parts.add(Sha256.hex(in));
                }
            }
        }
        return Sha256.hexOf("", parts.toArray(String[]::new));
    }

    /** Reads and checks a version directory, its manifest if it has one; every problem names the file it is in. */
    public static ModelDirectory read(Path versionDir) throws ModelLoadException {
        return read(versionDir, false);
    }

    /**
     * As {@link #read(Path)}; with {@code requireManifest}, a directory without a {@value #MANIFEST}
     * is refused too.
     */
    public static ModelDirectory read(Path versionDir, boolean requireManifest) throws ModelLoadException {
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
        Map<String, String> checksums = verify(dir, List.of(modelFile, dir.resolve(TOKENIZER), configFile,
                dir.resolve(SERVING_PROPERTIES)), requireManifest);
        return new ModelDirectory(name, version, dir, modelFile, labels, config.path("problem_type").asText(""),
                properties, checksums);
    }

    /**
     * Checks every file the manifest lists against its SHA-256, and that it lists the files that
     * decide the answers ({@code decisive}): a manifest that leaves the model out proves nothing.
     *
     * @return the SHA-256 of each listed file by name, as checked; empty without a manifest (unless
     *     one is required: then a missing one is refused)
     */
    static Map<String, String> verify(Path dir, List<Path> decisive, boolean required) throws ModelLoadException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            if (required) {
                throw new ModelLoadException(manifest, "missing, and modelapi.models.require-manifest is on"
                        + " (write one with: sha256sum * > " + MANIFEST + ")");
            }
            return Map.of();
        }
        Map<String, String> listed = new TreeMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest);
        } catch (IOException e) {
            throw new ModelLoadException(manifest, "unreadable: " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            java.util.regex.Matcher entry = MANIFEST_LINE.matcher(line);
            if (!entry.matches()) {
                throw new ModelLoadException(manifest, "line " + (i + 1) + " is not \"<sha256>  <file>\"");
            }
            String file = entry.group(2).strip();
            Path listedFile = dir.resolve(file).normalize();
            if (!listedFile.getParent().equals(dir) || file.contains("/") || file.contains("\\")) {
                throw new ModelLoadException(manifest, "line " + (i + 1) + " names " + file
                        + ", not a file of this directory");
            }
            listed.put(file, entry.group(1).toLowerCase(java.util.Locale.ROOT));
        }
        for (Path file : decisive) {
            if (!listed.containsKey(file.getFileName().toString())) {
                throw new ModelLoadException(manifest, "does not list " + file.getFileName()
                        + ", which decides the model's answers");
            }
        }
        for (Map.Entry<String, String> entry : listed.entrySet()) {
            Path file = dir.resolve(entry.getKey());
            if (!Files.isRegularFile(file)) {
                throw new ModelLoadException(file, "listed in " + MANIFEST + " but missing");
            }
            String actual;
            try (InputStream in = Files.newInputStream(file)) {
                actual = Sha256.hex(in);
            } catch (IOException e) {
                throw new ModelLoadException(file, "unreadable: " + e.getMessage(), e);
            }
            if (!actual.equals(entry.getValue())) {
                throw new ModelLoadException(file, "sha256 is " + actual + ", " + MANIFEST + " says " + entry.getValue()
                        + ": the file is not the one the manifest was written for");
            }
        }
        return listed;
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
