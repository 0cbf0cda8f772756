import com.fasterxml.jackson.databind.ObjectMapper;
import ai.djl.huggingface.translator.TextClassificationTranslatorFactory;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslatorFactory;
import dev.modelapi.model.ClassifierTranslatorFactory;
import dev.modelapi.model.DjlRuntime;
import dev.modelapi.model.ModelDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-process counterpart of an HTTP load run, for bench/compare.sh: {@code --threads} threads,
 * each classifying one text at a time (batch 1) for a fixed time, each text through every model of
 * {@code --models} in turn, one after the other (the seed design's {@code infer()}), no HTTP, no
 * Camel, no pipeline: DJL's {@code Predictor} with the service's translator
 * ({@code dev.modelapi.model.ClassifierTranslatorFactory};
 * {@code --translator=djl} takes DJL's own {@code TextClassificationTranslatorFactory} instead),
 * one predictor per model per thread, used on that thread only. The native runtime is set up as
 * the service sets it up at start ({@code dev.modelapi.model.DjlRuntime.applyDefaults()}: one thread
 * per forward and per tokenizer call, glibc's malloc thresholds; {@code -Dmodelapi.malloc.tune=false}
 * leaves glibc's defaults), so both run libtorch on the same allocator.
 * Throughput is counted over
 * {@code --measure} seconds after {@code --warmup} seconds of the same load, so it is comparable
 * with a wrk run of the same length. Prints one line: {@code RESULT {json}}.
 *
 * <pre>
 * java -cp target/classes:$(cat classpath.txt) bench/InProcessBench.java \
 *   --texts=$PEERS_WORK/texts-2000.jsonl [--models=spam-distilbert,spam-roberta] [--threads=2] \
 *   [--warmup=60] [--measure=30] [--models-dir=models] [--version=1] [--translator=service|djl]
 * </pre>
 * {@code --texts} takes JSON lines with a {@code "text"} field: the wrk bodies or the eval split.
 * {@code --progress=FILE} also writes {@code "<System.nanoTime()> <texts done>"} to FILE every 50 ms
 * (replaced whole each time), for a script that reads the rate over windows of its own
 * (bench/paired.sh, which stops and continues the process between them).
 * Without {@code --models}, every loaded model (the service's default ensemble). {@code --version}
 * picks each model's version directory ({@code 1-int8}: the demo models' int8 variant).
 */
public class InProcessBench {

    /** Per-thread start offsets spread over the texts as texts.lua spreads its wrk threads. */
    private static final double GOLDEN = 0.6180339887498949;

    public static void main(String[] args) throws Exception {
        DjlRuntime.applyDefaults();
        Map<String, String> options = parse(args);
        Path modelsDir = Path.of(options.getOrDefault("models-dir", "models"));
        Path textsFile = Path.of(options.getOrDefault("texts", "models/eval/spamassassin-test.jsonl"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "2"));
        double warmupSeconds = Double.parseDouble(options.getOrDefault("warmup", "60"));
        double measureSeconds = Double.parseDouble(options.getOrDefault("measure", "30"));
        List<String> texts = texts(textsFile);
        boolean djlTranslator = "djl".equals(options.getOrDefault("translator", "service"));

        // DJL alone: the models loaded as the service loads them (the same translator), each thread
        // with a predictor of its own per model, used on that thread only; of the service's classes
        // only the translator and the runtime's settings are used
        List<String> names = options.containsKey("models")
                ? Arrays.stream(options.get("models").split(",")).map(String::trim).toList()
                : List.of("spam-deberta", "spam-distilbert", "spam-roberta");
        List<ZooModel<String, Classifications>> models = new ArrayList<>();
        try {
            for (String name : names) {
                Path dir = modelsDir.resolve(name).resolve(options.getOrDefault("version", "1"));
                TranslatorFactory translator = djlTranslator ? new TextClassificationTranslatorFactory()
                        : new ClassifierTranslatorFactory(ModelDirectory.read(dir));
                models.add(Criteria.builder()
                        .setTypes(String.class, Classifications.class)
                        .optModelPath(dir)
                        .optEngine("PyTorch")
                        .optTranslatorFactory(translator)
                        .build().loadModel());
            }
            long startNanos = System.nanoTime();
            long measureFrom = startNanos + (long) (warmupSeconds * 1e9);
            long measureUntil = measureFrom + (long) (measureSeconds * 1e9);
            long[][] latencies = new long[threads][];
            int[] counts = new int[threads];
            Throwable[] failures = new Throwable[threads];
            CountDownLatch done = new CountDownLatch(threads);
            AtomicLong completed = new AtomicLong();
            if (options.containsKey("progress")) {
                progress(Path.of(options.get("progress")), completed);
            }
            for (int t = 0; t < threads; t++) {
                int index = t;
                Thread worker = new Thread(() -> {
                    try {
                        List<Predictor<String, Classifications>> predictors = new ArrayList<>();
                        for (ZooModel<String, Classifications> model : models) {
                            predictors.add(model.newPredictor());
                        }
                        long[] mine = new long[1 << 14];
                        int count = 0;
                        int position = (int) (((index * GOLDEN) % 1) * texts.size());
                        long now;
                        while ((now = System.nanoTime()) < measureUntil) {
                            List<String> one = List.of(texts.get(position));
                            position = (position + 1) % texts.size();
                            for (Predictor<String, Classifications> predictor : predictors) {
                                predictor.predict(one.get(0));
                            }
                            long end = System.nanoTime();
                            completed.incrementAndGet();
                            // a text counts when it ends inside the window, as a wrk request does
                            if (end >= measureFrom && end <= measureUntil) {
                                if (count == mine.length) {
                                    mine = Arrays.copyOf(mine, count * 2);
                                }
                                mine[count++] = end - now;
                            }
                        }
                        latencies[index] = Arrays.copyOf(mine, count);
                        counts[index] = count;
                    } catch (Throwable e) {
                        failures[index] = e;
                    } finally {
                        done.countDown();
                    }
                }, "bench-" + t);
                worker.setDaemon(true);
                worker.start();
            }
            // CPU in the measured window: this process's, and the whole machine's, to show a neighbour
            sleepUntil(measureFrom);
            long cpuFrom = processCpuNanos();
            long[] machineFrom = machineTicks();
            sleepUntil(measureUntil);
            long cpuUntil = processCpuNanos();
            long[] machineUntil = machineTicks();
            done.await();
            for (Throwable failure : failures) {
                if (failure != null) {
                    throw new IllegalStateException("a bench thread failed", failure);
                }
            }
            long total = Arrays.stream(counts).sum();
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            // JSON has no NaN (no texts measured, no /proc): null
            System.out.println(String.format(Locale.ROOT,
                    "RESULT {\"models\": [%s], \"translator\": \"%s\", \"threads\": %d, \"texts\": %d, \"warmup_s\": %.1f, \"duration_s\": %.3f, "
                            + "\"requests\": %d, \"rps\": %.2f, \"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, "
                            + "\"p99\": %.3f, \"max\": %.3f}, \"rss_mib\": %.1f, \"threads_os\": %.0f, \"cpu_cores\": %.2f, "
                            + "\"machine_cores\": %.2f}",
                    String.join(", ", names.stream().map(n -> "\"" + n + ":1\"").toList()),
                    djlTranslator ? "djl" : "service",
                    threads, texts.size(), warmupSeconds, measureSeconds, total, total / measureSeconds,
                    percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99),
                    all.length == 0 ? Double.NaN : all[all.length - 1] / 1e6,
                    procStatus("VmRSS:") / 1024.0, procStatus("Threads:"),
                    (cpuUntil - cpuFrom) / 1e9 / measureSeconds, machineCores(machineFrom, machineUntil))
                    .replace("NaN", "null"));
        } finally {
            models.forEach(ZooModel::close);
        }
    }

    /** Every 50 ms, "nanoTime count" into file, written beside it and moved over it (a reader never sees half a line). */
    private static void progress(Path file, AtomicLong completed) {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    Files.writeString(next, System.nanoTime() + " " + completed.get() + "\n");
                    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                System.err.println("progress: " + e);
            }
        }, "progress-writer"); // not "bench-": bench/forward-profile.sh counts those as inference threads
        writer.setDaemon(true);
        writer.start();
    }

    static List<String> texts(Path jsonl) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (!line.isBlank()) {
                texts.add(json.readTree(line).get("text").asText());
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts in " + jsonl);
        }
        return texts;
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Busy and total ticks of all CPUs, from /proc/stat ({0, 0} elsewhere). */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            long total = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) { // user nice system idle iowait irq softirq steal
                long v = Long.parseLong(f[i]);
                total += v;
                busy += (i == 4 || i == 5) ? 0 : v;
            }
            return new long[] {busy, total};
        } catch (Exception e) {
            return new long[] {0, 0};
        }
    }

    private static double machineCores(long[] from, long[] until) {
        long total = until[1] - from[1];
        return total <= 0 ? Double.NaN
                : (until[0] - from[0]) / (double) total * Runtime.getRuntime().availableProcessors();
    }

    /** A number from /proc/self/status (VmRSS in KiB, Threads, ...): NaN where there is none. */
    private static double procStatus(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return Double.NaN;
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
