import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.TextClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-process throughput of the inference core: texts per second for each demo model at several
 * batch sizes, on the held-out test messages. Cells are measured in interleaved rounds so that a
 * noisy neighbour hurts every cell alike; the median round is reported, with each batch size as a
 * ratio to batch 1 of the same model in the same run.
 *
 * {@code --order=length} sorts the texts by length first, so that each batch holds texts of
 * similar length: what a batcher that buckets by length would form.
 * {@code --form=subject} keeps only each message's subject line: short, chat-length texts.
 *
 * Run through bench/inference.sh, which builds the classpath.
 */
public class InferenceBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        Path models = Path.of(options.getOrDefault("models", "models"));
        int workers = Integer.parseInt(options.getOrDefault("workers", "2"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int[] batchSizes = Arrays.stream(options.getOrDefault("batches", "1,8,32").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<String> texts = testTexts(models.resolve("eval/spamassassin-test.jsonl"));
        if ("subject".equals(options.get("form"))) {
            // each message's first line only: chat-length texts of about ten tokens
            texts = texts.stream().map(t -> t.split("\n", 2)[0]).toList();
        }
        boolean byLength = "length".equals(options.get("order"));
        if (byLength) {
            // neighbours in a batch have similar lengths: what a length-bucketing batcher would form
            texts = new ArrayList<>(texts);
            texts.sort(java.util.Comparator.comparingInt(String::length));
        }

        int textsPerCell = Integer.parseInt(options.getOrDefault("texts", String.valueOf(texts.size())));
        ModelProperties settings = new ModelProperties(models, workers, Duration.ofMinutes(5), "auto", true);
        try (ModelRegistry registry = ModelRegistry.loadFrom(models, settings)) {
            List<TextClassifier> classifiers = registry.all();
            Map<String, List<Double>> results = new LinkedHashMap<>();
            for (TextClassifier classifier : classifiers) {
                for (int batch : batchSizes) {
                    run(List.of(classifier), texts, batch, workers, batch * workers * 2); // shape warm-up
                }
            }
            for (int round = 0; round < rounds; round++) {
                for (TextClassifier classifier : classifiers) {
                    for (int batch : batchSizes) {
                        double rate = run(List.of(classifier), texts, batch, workers, textsPerCell);
                        results.computeIfAbsent(classifier.directory().id() + "|" + batch, k -> new ArrayList<>()).add(rate);
                    }
                }
                for (int batch : batchSizes) {
                    double rate = run(classifiers, texts, batch, workers, textsPerCell);
                    results.computeIfAbsent(ENSEMBLE + "|" + batch, k -> new ArrayList<>()).add(rate);
                }
            }
            System.out.printf(Locale.ROOT, "%n%d workers, %d texts per cell, median of %d rounds, test-split texts%s%n",
                    workers, textsPerCell, rounds, byLength ? ", batches of similar length" : "");
            System.out.println("| model | batch | texts/s | vs batch " + batchSizes[0] + " |");
            System.out.println("|---|---:|---:|---:|");
            List<String> rows = new ArrayList<>(classifiers.stream().map(c -> c.directory().id()).toList());
            rows.add(ENSEMBLE);
            for (String row : rows) {
                double base = median(results.get(row + "|" + batchSizes[0]));
                for (int batch : batchSizes) {
                    double rate = median(results.get(row + "|" + batch));
                    System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.2f |%n", row, batch, rate, rate / base);
                }
            }
        }
    }

    /** The row of every model in turn on each batch: the service's work per text, without the service. */
    static final String ENSEMBLE = "all models (ensemble)";

    /**
     * Texts per second with {@code workers} threads each classifying batches of {@code batch}
     * with every one of {@code classifiers}.
     */
    static double run(List<TextClassifier> classifiers, List<String> texts, int batch, int workers, int total)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (int w = 0; w < workers; w++) {
                done.add(pool.submit(() -> {
                    int count = 0;
                    int from;
                    while ((from = next.getAndAdd(batch)) < total) {
                        List<String> slice = new ArrayList<>(batch);
                        for (int i = 0; i < batch; i++) {
                            slice.add(texts.get((from + i) % texts.size()));
                        }
                        for (TextClassifier classifier : classifiers) {
                            classifier.classify(slice);
                        }
                        count += slice.size();
                    }
                    return count;
                }));
            }
            int count = 0;
            for (Future<Integer> f : done) {
                count += f.get();
            }
            return count / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    static List<String> testTexts(Path jsonl) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            texts.add(json.readTree(line).get("text").asText());
        }
        return texts;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            String[] kv = arg.replaceFirst("^--", "").split("=", 2);
            options.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        return options;
    }
}
