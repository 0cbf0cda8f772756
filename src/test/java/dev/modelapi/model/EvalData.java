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

/** The held-out test split and the Python reference logits that tools/ committed under models/eval. */
final class EvalData {

    static final Path MODELS = Path.of("models");
    static final Path EVAL = MODELS.resolve("eval");
    private static final ObjectMapper JSON = new ObjectMapper();

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

    static Map<String, Message> testSplitById() {
        Map<String, Message> byId = new LinkedHashMap<>();
        testSplit().forEach(m -> byId.put(m.id(), m));
        return byId;
    }

    /** Python's logits of some test messages for one model. */
    static List<Logits> pythonLogits(String model) {
        return lines(EVAL.resolve(model + "-logits.jsonl")).map(n -> {
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
                    .filter(f -> f.endsWith("-logits.jsonl"))
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
