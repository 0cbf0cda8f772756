package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.TemporaryDirectories;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import dev.modelapi.testsupport.TestFiles;
import dev.modelapi.ensemble.ModelCalls;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ingest.RouteDispatchFilter;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.spi.ReloadStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The routes are files that integration engineers edit: a YAML-only edit takes effect while the
 * service runs, a broken edit leaves the previous routes serving, and a reload fails no request
 * that is in flight. Runs on a copy of {@code routes/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouteReloadTest {

    static final Path ROUTES = copyOfRoutes();

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    CamelContext camel;

    @Autowired
    ModelCalls modelCalls;

    @Autowired
    MeterRegistry meters;

    @Autowired
    FilterRegistrationBean<RouteDispatchFilter> routeDispatch;

    @DynamicPropertySource
    static void routesFromTheCopy(DynamicPropertyRegistry registry) {
        registry.add("modelapi.routes.directory", ROUTES::toString);
    }

    @AfterEach
    void restoreTheRoutes() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Path copy = ROUTES.resolve(file.getFileName());
                if (!Files.readString(copy).equals(Files.readString(file))) {
                    Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> repeatIsCached());
    }

    @Test
    @Order(1)
    void shouldStopCachingOnceTheCacheStepsAreRemovedFromTheYaml() throws Exception {
        assertThat(repeatIsCached()).isTrue();
        Path pipeline = ROUTES.resolve("pipeline.camel.yaml");
        String withoutCache = Files.readAllLines(pipeline).stream()
                .filter(line -> !line.contains("id: cache-lookup") && !line.contains("id: cache-store"))
                .reduce("", (text, line) -> text + line + "\n");

        Files.writeString(pipeline, withoutCache);

        await().atMost(Duration.ofSeconds(20)).until(() -> !repeatIsCached());
        assertThat(camel.getRoute("predict-text")).isNotNull();
    }

    @Test
    @Order(2)
    void shouldKeepThePreviousRoutesWhenAnEditIsBroken() throws Exception {
        Path pipeline = ROUTES.resolve("pipeline.camel.yaml");
        String before = Files.readString(pipeline);
        ReloadStrategy reload = camel.hasService(ReloadStrategy.class);
        int failuresBefore = reload.getFailedCounter();

        Files.writeString(pipeline, before.replace("- route:", "- route: [this is not a route"));

        await().atMost(Duration.ofSeconds(20)).until(() -> reload.getFailedCounter() > failuresBefore);
        assertThat(reload.getLastError()).isNotNull();
        assertThat(predict("still serving " + UUID.randomUUID()).getStatusCode().value()).isEqualTo(200);
        assertThat(camel.getRoute("predict-text")).isNotNull();
        assertThat(repeatIsCached()).isTrue();

        // an operator sees which file did not take, why and since when
        JsonNode failed = routeFilesHealth().at("/details/failedReloads/pipeline.camel.yaml");
        assertThat(failed.get("reason").asText()).isNotBlank();
        assertThat(Instant.parse(failed.get("since").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(meters.get("modelapi.routes.reload.failing").tag("file", "pipeline.camel.yaml").gauge().value())
                .isEqualTo(1.0);

        Files.writeString(pipeline, before);

        await().atMost(Duration.ofSeconds(20)).until(() -> routeFilesHealth().at("/details/failedReloads").isEmpty());
        assertThat(meters.get("modelapi.routes.reload.failing").tag("file", "pipeline.camel.yaml").gauge().value())
                .isZero();
        assertThat(meters.get("modelapi.routes.reloads").tag("outcome", "failed").counter().count()).isPositive();
    }

    private JsonNode routeFilesHealth() throws Exception {
        ResponseEntity<String> health = http.getForEntity("/actuator/health/routeFiles", String.class);
        assertThat(health.getStatusCode().value()).as(health.getBody()).isEqualTo(200);
        JsonNode body = json.readTree(health.getBody());
        assertThat(body.get("status").asText()).as("the previous routes serve").isEqualTo("UP");
        return body;
    }

    @Test
    @Order(3)
    void shouldRemakeEachModelsCallRouteWhenTheModelCallTemplateIsEdited() throws Exception {
        assertThat(predict("before the edit " + UUID.randomUUID()).getStatusCode().value()).isEqualTo(200);
        ModelRef roberta = new ModelRef("spam-roberta", "1");
        assertThat(failureRateThreshold(roberta)).isEqualTo(50f);
        Path ensemble = ROUTES.resolve("ensemble.camel.yaml");
        String original = Files.readString(ensemble);
        // the settings' value comes from the named configuration model-call; a number written in
        // the route's own resilience4jConfiguration overrides it
        String inline = "              resilience4jConfiguration:\n";
        assertThat(original).contains("configuration: model-call", inline);

        Files.writeString(ensemble, original.replace(inline, inline + "                failureRateThreshold: 75\n"));

        await().atMost(Duration.ofSeconds(20)).until(() -> predict("after the edit " + UUID.randomUUID())
                .getStatusCode().value() == 200 && failureRateThreshold(roberta) == 75f);
        assertThat(modelCalls.routeIdOf(roberta)).contains("model-call-spam-roberta-1");
        JsonNode answer = json.readTree(predict("after the edit " + UUID.randomUUID()).getBody());
        assertThat(answer.get("degraded").asBoolean()).isFalse();
        assertThat(answer.get("models")).hasSize(3);
    }

    private float failureRateThreshold(ModelRef model) {
        return modelCalls.breakerOf(model).map(b -> b.getCircuitBreakerConfig().getFailureRateThreshold()).orElse(0f);
    }

    /**
     * Runs last: Camel stops the old batching route only once nothing is in flight in it, which
     * under steady traffic means a pause, so this reload can trail the edit (docs/architecture.md).
     */
    @Test
    @Order(4)
    void shouldFailNoInFlightRequestWhileTheBatcherReloads() throws Exception {
        Path batching = ROUTES.resolve("batching.camel.yaml");
        String original = Files.readString(batching);
        ReloadStrategy reload = camel.hasService(ReloadStrategy.class);
        int reloadsBefore = reload.getReloadCounter();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                String text = "in flight " + i + " " + UUID.randomUUID();
                calls.add(() -> predict(text).getStatusCode().value());
            }
            List<Future<Integer>> statuses = new ArrayList<>();
            for (Callable<Integer> call : calls) {
                statuses.add(clients.submit(call));
            }
            for (int edit = 0; edit < 3; edit++) {
                statuses.get(40 * (edit + 1)).get();
                Files.writeString(batching, original + "\n# edit " + edit + "\n");
            }
            for (Future<Integer> status : statuses) {
                assertThat(status.get()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> reload.getReloadCounter() > reloadsBefore);
            assertThat(predict("after the reload " + UUID.randomUUID()).getStatusCode().value()).isEqualTo(200);
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    @Order(5)
    void shouldHandTheHttpPathToTheReloadedRoutesConsumer() throws Exception {
        Consumer before = camel.getRoute("http-predict").getConsumer();
        Path ingress = ROUTES.resolve("ingress-http.camel.yaml");

        Files.writeString(ingress, Files.readString(ingress) + "\n# edited " + Instant.now() + "\n");

        await().atMost(Duration.ofSeconds(20)).until(() -> camel.getRoute("http-predict") != null
                && camel.getRoute("http-predict").getConsumer() != before);
        long dispatched = routeDispatch.getFilter().dispatched();
        assertThat(predict("after the ingress reload " + UUID.randomUUID()).getStatusCode().value()).isEqualTo(200);
        assertThat(routeDispatch.getFilter().dispatched()).as("the filter found the new route's consumer")
                .isEqualTo(dispatched + 1);
    }

    private boolean repeatIsCached() throws Exception {
        String text = "Subject: reload check " + UUID.randomUUID();
        ResponseEntity<String> first = predict(text);
        ResponseEntity<String> second = predict(text);
        if (first.getStatusCode().value() != 200 || second.getStatusCode().value() != 200) {
            return false;
        }
        JsonNode answer = json.readTree(second.getBody());
        return answer.get("cached").asBoolean();
    }

    private ResponseEntity<String> predict(String text) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return http.postForEntity("/api/v1/predict",
                new HttpEntity<>(json.writeValueAsString(Map.of("text", text)), headers), String.class);
    }

    private static Path copyOfRoutes() {
        return TestFiles.copyDirectory(Path.of("routes"), TemporaryDirectories.make("routes-"));
    }
}
