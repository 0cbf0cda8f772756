package dev.modelapi.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The held-out test split, its short forms and the Python reference logits that tools/ committed
 * under models/eval ({@code <name>-logits.jsonl} for version 1, {@code <name>-int8-logits.jsonl}
 * for its int8 variant).
 */
final class EvalData {

    /** The demo models; {@code -Dmodelapi.demo-models=<dir>} checks a freshly trained set before it replaces them. */
    static final Path MODELS = Path.of(System.getProperty("modelapi.demo-models", "models"));
    static final Path EVAL = MODELS.resolve("eval");
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String INT8 = "1-int8";

    record Message(String id, String label, String text) {
    }

    record Logits(String id, float[] logits) {
    }

    private EvalData() {
    }

    /** The test split, in file order. */
    static List<Message> testSplit() {
        return lines(EVAL.resolve("spamassassin-test.jsonl"))
                .map(n -> new Message(n.get("id").asText(), n.get("label").asText(), n.get("text").asText()))
                .toList();
    }

    /** Short forms of the test messages (subject alone, body alone, a sentence or two), each labelled as its message. */
    static List<Message> testShortForms() {
        return lines(EVAL.resolve("spamassassin-test-short.jsonl"))
                .map(n -> new Message(n.get("id").asText() + "#" + n.get("form").asText(), n.get("label").asText(),
                        n.get("text").asText()))
                .toList();
    }

    static Map<String, Message> testSplitById() {
        Map<String, Message> byId = new LinkedHashMap<>();
        testSplit().forEach(m -> byId.put(m.id(), m));
        return byId;
    }

    /** Python's logits of some test messages for version 1 of a model. */
    static List<Logits> pythonLogits(String model) {
        return pythonLogits(model, "1");
    }

    /** Python's logits of some test messages for version 1 of a model or its int8 variant. */
    static List<Logits> pythonLogits(String model, String version) {
        String file = model + (version.equals(INT8) ? "-int8" : "") + "-logits.jsonl";
        return lines(EVAL.resolve(file)).map(n -> {
            JsonNode values = n.get("logits");
            float[] logits = new float[values.size()];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) values.get(i).asDouble();
            }
            return new Logits(n.get("id").asText(), logits);
        }).toList();
    }

    /** The demo models that have reference logits: {@code models/eval/<name>-logits.jsonl}. */
    static List<String> modelsWithReferenceLogits() {
        try (Stream<Path> files = Files.list(EVAL)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith("-logits.jsonl") && !f.endsWith("-int8-logits.jsonl"))
                    .map(f -> f.substring(0, f.length() - "-logits.jsonl".length()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static Stream<JsonNode> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(l -> {
                try {
                    return JSON.readTree(l);
                } catch (IOException e) {
                    throw new UncheckedIOException(file + ": " + e.getMessage(), e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
