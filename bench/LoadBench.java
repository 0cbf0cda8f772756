import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A closed-loop load generator for POST /api/v1/predict: {@code clients} threads each send one
 * single-text request at a time until {@code requests} have been sent, drawing texts from the
 * held-out test split. Prints one line of JSON: throughput, latency percentiles, the mean
 * batchSize the service reported, and the count of non-200 answers. Only loopback targets.
 *
 * Run through bench/load.sh, which starts the service for each configuration.
 */
public class LoadBench {

    static final String API_KEY = System.getenv().getOrDefault("API_KEY", "modelapi-dev-key");


    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:8080/api/v1/predict";
        // the default run's development key (README, Access control); API_KEY names another
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        Path texts = Path.of(args.length > 3 ? args[3] : "models/eval/spamassassin-test.jsonl");
        if (!URI.create(url).getHost().matches("127\\.\\d+\\.\\d+\\.\\d+|localhost")) {
            throw new IllegalArgumentException("load is only sent to loopback addresses");
        }
        ObjectMapper json = new ObjectMapper();
        List<String> bodies = new ArrayList<>();
        for (String line : Files.readAllLines(texts)) {
            ObjectNode body = json.createObjectNode();
            body.put("text", json.readTree(line).get("text").asText());
            bodies.add(json.writeValueAsString(body));
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        AtomicInteger next = new AtomicInteger();
        List<Long> latenciesNanos = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger degraded = new AtomicInteger();
        java.util.Map<String, AtomicInteger> failures = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicInteger batchSum = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            done.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests) {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(60))
                            .header("Content-Type", "application/json")
                            .header("X-API-Key", API_KEY)
                            .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size())))
                            .build();
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        latenciesNanos.add(System.nanoTime() - sent);
                        if (response.statusCode() == 200) {
                            JsonNode answer = json.readTree(response.body());
                            batchSum.addAndGet(answer.get("batchSize").asInt());
                            if (answer.path("degraded").asBoolean(false)) {
                                degraded.incrementAndGet();
                            }
                        } else {
                            errors.incrementAndGet();
                            String code = response.statusCode() + " " + json.readTree(response.body()).at("/error/code").asText();
                            failures.computeIfAbsent(code, k -> new AtomicInteger()).incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        List<Long> sorted = new ArrayList<>(latenciesNanos);
        Collections.sort(sorted);
        if (!failures.isEmpty()) {
            System.err.println("failed requests by status and code: " + failures);
        }
        int ok = requests - errors.get();
        System.out.printf(Locale.ROOT,
                "{\"clients\": %d, \"requests\": %d, \"errors\": %d, \"throughput\": %.1f, \"p50Ms\": %.1f, "
                        + "\"p99Ms\": %.1f, \"meanBatchSize\": %.2f, \"degraded\": %d}%n",
                clients, requests, errors.get(), ok / seconds, percentile(sorted, 0.50), percentile(sorted, 0.99),
                ok == 0 ? 0.0 : batchSum.get() / (double) ok, degraded.get());
    }

    private static double percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1e6;
    }
}
