package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.model.ModelRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jms.core.JmsTemplate;

/**
 * What operators see, on the service with its defaults and the real demo models: the span tree of
 * a request (OpenTelemetry SDK with an in-memory exporter) continuing the caller's W3C
 * {@code traceparent} from HTTP and JMS, the metrics docs/metrics.md lists as Prometheus shows
 * them, and liveness and readiness saying what is down.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureObservability(tracing = false)
@Import(ObservabilityTest.Spans.class)
class ObservabilityTest {

    @TestConfiguration
    static class Spans {
        @Bean
        InMemorySpanExporter spanExporter() {
            return InMemorySpanExporter.create();
        }
    }

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    InMemorySpanExporter spans;

    @Autowired
    ModelRegistry registry;

    @Autowired
    ConnectionFactory connections;

    @Test
    void shouldContinueTheCallersTraceThroughThePipeline() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String parentSpanId = traceId.substring(0, 16);
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("traceparent", "00-" + traceId + "-" + parentSpanId + "-01");

        ResponseEntity<String> response = http.postForEntity("/api/v1/predict",
                new HttpEntity<>(json.writeValueAsString(Map.of("text", "Subject: traced " + traceId)), headers),
                String.class);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> names(traceId).contains("audit"));
        List<SpanData> trace = trace(traceId);
        SpanData server = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertThat(server.getParentSpanId()).as("the ingress span continues the caller's").isEqualTo(parentSpanId);
        // a lone request is the first of its batch: the batch's inference joins its trace
        await().atMost(Duration.ofSeconds(10)).until(() -> names(traceId).contains("model-call-spam-deberta-1"));
        assertThat(names(traceId)).as(names(traceId).toString()).contains("predict", "traffic-split", "predict-text",
                "batch-queue", "ensemble", "model-call-spam-distilbert-1", "model-call-spam-roberta-1",
                "model-call-spam-deberta-1", "audit");
        // every other span of the request hangs under the ingress span
        assertThat(trace).allSatisfy(span -> assertThat(span.getSpanId().equals(server.getSpanId())
                || isUnder(span, server, trace)).as(span.getName()).isTrue());
    }

    @Test
    void shouldLeadEveryRequestsTraceToTheBatchThatAnsweredIt() throws Exception {
        List<String> traceIds = new ArrayList<>();
        List<java.util.concurrent.Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String traceId = UUID.randomUUID().toString().replace("-", "");
            traceIds.add(traceId);
            HttpHeaders headers = new HttpHeaders();
            headers.setContentType(MediaType.APPLICATION_JSON);
            headers.set("traceparent", "00-" + traceId + "-" + traceId.substring(16) + "-01");
            String body = json.writeValueAsString(Map.of("text", "Subject: fan-in " + i + " " + traceId));
            calls.add(() -> http.postForEntity("/api/v1/predict", new HttpEntity<>(body, headers), String.class)
                    .getStatusCode().value());
        }
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (java.util.concurrent.Future<Integer> status : clients.invokeAll(calls)) {
                assertThat(status.get()).isEqualTo(200);
            }
        } finally {
            clients.shutdown();
        }

        for (String traceId : traceIds) {
            await().atMost(Duration.ofSeconds(10)).until(() -> names(traceId).contains("inference-batch"));
            SpanData pointer = trace(traceId).stream().filter(s -> s.getName().equals("inference-batch")).findFirst()
                    .orElseThrow();
            assertThat(pointer.getLinks()).hasSize(1);
            String batchTrace = pointer.getLinks().get(0).getSpanContext().getTraceId();
            // the linked trace is where this request's answer was computed
            assertThat(names(batchTrace)).contains("ensemble", "model-call-spam-roberta-1");
        }
    }

    @Test
    void shouldContinueATraceFromAJmsProperty() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        JmsTemplate jms = new JmsTemplate(connections);
        jms.send("modelapi.requests", session -> {
            TextMessage message = session.createTextMessage("{\"text\": \"Subject: traced over JMS " + traceId + "\"}");
            message.setStringProperty("traceparent", "00-" + traceId + "-" + traceId.substring(16) + "-01");
            return message;
        });

        await().atMost(Duration.ofSeconds(20)).until(() -> names(traceId).contains("predict"));
        // the route's own spans can end before the consumer's span, the one whose parent is the message's
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(trace(traceId))
                .anySatisfy(span -> assertThat(span.getParentSpanId()).isEqualTo(traceId.substring(16))));
    }

    @Test
    void shouldExposeEveryMetricThatMetricsMdListsOnPrometheus() throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        String text = "Subject: metrics " + UUID.randomUUID();
        for (int i = 0; i < 2; i++) { // the second is a cache hit
            http.postForEntity("/api/v1/predict", new HttpEntity<>(json.writeValueAsString(Map.of("text", text)), headers),
                    String.class);
        }

        String scrape = http.getForObject("/actuator/prometheus", String.class);

        List<String> documented = documentedMetrics();
        assertThat(documented).hasSizeGreaterThan(30);
        List<String> missing = new ArrayList<>();
        for (String metric : documented) {
            if (!scrape.contains("\n" + metric) && !scrape.startsWith(metric)) {
                missing.add(metric);
            }
        }
        assertThat(missing).as("listed in docs/metrics.md as always present but not exposed").isEmpty();
        assertThat(scrape).contains("modelapi_inference_count_total{model=\"spam-roberta\",version=\"1\"}");
        // route metrics (RouteMeters, camel-micrometer's names and tags) per route only: no context-level series
        assertThat(scrape).contains("camel_exchanges_total{camelContext=\"model-api\",eventType=\"route\",kind=\"CamelRoute\",routeId=\"predict\"}")
                .doesNotContain("eventType=\"context\"");
        // the routes' pools are measured (camel-opentelemetry's wrapped pools were not; CamelConfiguration)
        assertThat(scrape).contains("executor_pool_max_threads{name=\"ensemble-pool", "executor_pool_max_threads{name=\"audit-tap-pool",
                "executor_active_threads{name=\"ensemble-pool");
        // every cache, the prediction cache first: Prometheus refused its meters while another cache's
        // meters of the same names carried other tag keys
        assertThat(scrape).contains("cache_gets_total{cache=\"predictions\",", "cache_size{cache=\"predictions\",",
                "cache_gets_total{cache=\"idempotent-answers\",", "cache_gets_total{cache=\"audit-pii-kinds\",");
        // the servlet container's request threads, at their default bound (server.tomcat.threads.max)
        assertThat(scrape).contains("modelapi_http_threads_max 32.0", "modelapi_http_threads{state=\"busy\"}");
        // the models' own workers and their queues are measured too
        assertThat(scrape).contains("modelapi_model_queue_size{model=\"spam-roberta\",version=\"1\"}",
                "modelapi_model_workers{model=\"spam-roberta\",version=\"1\"} 2.0");
        // glibc's heap, where the models' tensors live (the test JVM runs on glibc's malloc): the
        // three models' forwards of the warm-up hold memory there
        Matcher inUse = Pattern.compile("modelapi_native_malloc_bytes\\{state=\"in_use\"} ([0-9.E]+)").matcher(scrape);
        assertThat(inUse.find()).as("glibc heap gauge in the scrape").isTrue();
        assertThat(Double.parseDouble(inUse.group(1))).isGreaterThan(1 << 20);
        assertThat(scrape).contains("modelapi_native_malloc_bytes{state=\"free\"}");
    }

    @Test
    void shouldSayInReadinessWhichEnsembleModelIsMissing() throws Exception {
        assertThat(http.getForEntity("/actuator/health/liveness", String.class).getStatusCode().value()).isEqualTo(200);
        ResponseEntity<String> ready = http.getForEntity("/actuator/health/readiness", String.class);
        assertThat(ready.getStatusCode().value()).as(ready.getBody()).isEqualTo(200);
        JsonNode components = json.readTree(ready.getBody()).get("components");
        assertThat(components.has("db")).isTrue();
        assertThat(components.has("jms")).isTrue();
        assertThat(components.at("/ensembles/details/spam-default/status").asText()).isEqualTo("UP");

        registry.unload("spam-roberta", "1");
        registry.unload("spam-deberta", "1");
        try {
            ResponseEntity<String> notReady = http.getForEntity("/actuator/health/readiness", String.class);
            assertThat(notReady.getStatusCode().value()).isEqualTo(503);
            JsonNode ensemble = json.readTree(notReady.getBody()).at("/components/ensembles/details/spam-default");
            assertThat(ensemble.get("ready").asInt()).isEqualTo(1);
            assertThat(ensemble.at("/models/spam-roberta").asText()).isEqualTo("not loaded");
            assertThat(http.getForEntity("/actuator/health/liveness", String.class).getStatusCode().value())
                    .as("not ready is not dead").isEqualTo(200);
        } finally {
            registry.load("spam-roberta", "1");
            registry.load("spam-deberta", "1");
        }
        assertThat(http.getForEntity("/actuator/health/readiness", String.class).getStatusCode().value()).isEqualTo(200);
    }

    /** Metric names in docs/metrics.md's tables, except rows marked as appearing only after some event. */
    static List<String> documentedMetrics() throws Exception {
        List<String> names = new ArrayList<>();
        Pattern row = Pattern.compile("^\\| `([a-z0-9_]+)`[^|]*\\|(.*)$");
        for (String line : Files.readAllLines(Path.of("docs/metrics.md"))) {
            Matcher m = row.matcher(line);
            if (m.matches() && !line.contains("(after ")) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    private List<SpanData> trace(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private Set<String> names(String traceId) {
        return Set.copyOf(trace(traceId).stream().map(SpanData::getName).toList());
    }

    private static boolean isUnder(SpanData span, SpanData root, List<SpanData> trace) {
        String parent = span.getParentSpanId();
        for (int depth = 0; depth < 50; depth++) {
            if (parent.equals(root.getSpanId())) {
                return true;
            }
            String current = parent;
            SpanData next = trace.stream().filter(s -> s.getSpanId().equals(current)).findFirst().orElse(null);
            if (next == null) {
                return false;
            }
            parent = next.getParentSpanId();
        }
        return false;
    }
}
