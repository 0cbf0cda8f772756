package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.model.ModelOperations;
import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.securityevents.SecurityEvent;
import dev.modelapi.testsupport.RouteFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.component.direct.DirectComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * routes/models.camel.yaml on its own, in a second: the HTTP routes as direct: endpoints (the test
 * sends what platform-http would: method, path parameters, content type, body), the real
 * httpExchanges, failures and model operations over an empty model repository, MLflow stood in
 * for. Each command is followed by its step ids and its answer.
 */
class ModelsRoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path repository;

    static RouteFiles routes;
    static ModelRegistry registry;
    static final List<String> mlflowLoads = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        registry = ModelRegistry.loadFrom(repository, new ModelProperties(repository, 1, Duration.ofSeconds(1), "cpu", false));
        Answers answers = new Answers(JSON);
        Failures failures = new Failures();
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "httpExchanges", new HttpExchanges(JSON, answers, failures),
                        "modelOperations", new ModelOperations(registry),
                        "mlflowModels", new MlflowStandIn(),
                        "cacheOperations", new CacheStandIn(),
                        "driftMonitor", new DriftStandIn()),
                Map.of(), "models.camel.yaml");
        routes.camel().addComponent("platform-http", new DirectComponent());
        routes.start();
    }

    @AfterAll
    static void close() {
        routes.close();
        registry.close();
    }

    static final List<String> forgotten = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Records what an unload tells the cache to forget. */
    public static final class CacheStandIn {
        public void forget(String model, String version, String principal) {
            forgotten.add(model + ":" + version);
        }
    }

    /** Answers what a drift view would hold, for the route's own steps. */
    public static final class DriftStandIn {
        public Map<String, Object> describe(String name) {
            return Map.of("name", name, "subjects", List.of());
        }
    }

    /** Records a load from MLflow instead of downloading one. */
    public static final class MlflowStandIn {
        public Map<String, Object> load(String name, String source) {
            mlflowLoads.add(name + " " + source);
            return Map.of("name", name, "source", source);
        }
    }

    @Test
    void shouldRunEachCommandThroughItsOwnRoute() throws Exception {
        routes.securityEvents.events.clear();
        Exchange load = command("spam", "load", "{\"version\": \"2\"}");
        assertThat(RouteFiles.steps(load)).contains("http-model-command-accept", "model-command", "model-load-from",
                "model-load-version");
        RouteFiles.assertHttpError(load, 404, "model_not_found");

        assertThat(RouteFiles.steps(command("spam", "unload", "{\"version\": \"2\"}"))).contains("model-unload-version");
        assertThat(RouteFiles.steps(command("spam", "default", "{\"version\": \"2\"}"))).contains("model-set-default");
        assertThat(RouteFiles.steps(command("spam", "rollback", ""))).contains("model-rollback-default");
        // each is a security event with what it was answered (route configuration admin-commands)
        assertThat(routes.securityEvents.events).extracting(SecurityEvent::reason)
                .containsExactly("model_load", "model_unload", "model_default", "model_rollback");
        assertThat(routes.securityEvents.events.get(0)).satisfies(event -> {
            assertThat(event.outcome()).isEqualTo("failed");
            assertThat(event.status()).isEqualTo(404);
            assertThat(event.detail()).contains("spam");
        });
    }

    @Test
    void shouldLoadFromMlflowOnlyWhenTheBodyNamesASource() throws Exception {
        Exchange fromBody = command("spam", "load", "{\"source\": \"models:/spam@champion\"}");
        assertThat(RouteFiles.steps(fromBody)).contains("model-load-mlflow").doesNotContain("model-load-version");
        assertThat(fromBody.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(mlflowLoads).contains("spam models:/spam@champion");

        // a header of that name is not the body: the repository's version is loaded (or not found)
        Exchange fromHeader = routes.camel().createProducerTemplate().send(from("http-model-command"), e -> {
            request(e, "spam", "load", "{\"version\": \"1\"}");
            e.getIn().setHeader("source", "models:/evil@champion");
        });
        assertThat(RouteFiles.steps(fromHeader)).contains("model-load-version").doesNotContain("model-load-mlflow");
    }

    @Test
    void shouldRefuseWhatACommandCannotUse() throws Exception {
        RouteFiles.assertHttpError(command("spam", "explode", "{}"), 404, "unknown_command");
        RouteFiles.assertHttpError(command("spam", "load", ""), 404, "model_not_found"); // by name: none on disk
        RouteFiles.assertHttpError(command("spam", "unload", "{}"), 404, "model_not_loaded");
        RouteFiles.assertHttpError(command("spam", "default", "{}"), 400, "missing_version");
        RouteFiles.assertHttpError(command("spam", "load", "{\"version\": 2}"), 400, "invalid_command");
        // a null version: unload's and default's document has none, and it must not mean "every version";
        // load's document allows it, as not given (by name: none on disk)
        RouteFiles.assertHttpError(command("spam", "unload", "{\"version\": null}"), 400, "invalid_command");
        RouteFiles.assertHttpError(command("spam", "default", "{\"version\": null}"), 400, "invalid_command");
        RouteFiles.assertHttpError(command("spam", "load", "{\"version\": null, \"source\": null}"), 404, "model_not_found");
        // each command's body is its own type: unload has no source, so one is ignored like any unknown field
        RouteFiles.assertHttpError(command("spam", "unload", "{\"source\": 2}"), 404, "model_not_loaded");
        RouteFiles.assertHttpError(command("spam", "load", "{\"source\": 2}"), 400, "invalid_command");
        RouteFiles.assertHttpError(command("spam", "load", "[\"2\"]"), 400, "malformed_json");
        Exchange get = routes.camel().createProducerTemplate().send(from("http-model-command"), e -> {
            request(e, "spam", "load", "{}");
            e.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
        });
        RouteFiles.assertHttpError(get, 405, "method_not_allowed");
        assertThat(RouteFiles.steps(get)).contains("http-invalid-request").doesNotContain("model-command");
    }

    @Test
    void shouldAnswerDriftFromItsOwnRouteNotTheCommands() throws Exception {
        Exchange drift = routes.camel().createProducerTemplate().send(from("http-model-drift"), e -> {
            e.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
            e.getIn().setHeader("name", "spam");
        });

        assertThat(RouteFiles.steps(drift)).contains("http-model-drift-accept", "model-drift", "http-model-drift-respond")
                .doesNotContain("model-command");
        assertThat(drift.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(JSON.readTree(drift.getMessage().getBody(String.class)).get("name").asText()).isEqualTo("spam");
    }

    @Test
    void shouldListAndDescribeTheRepository() throws Exception {
        Exchange list = routes.camel().createProducerTemplate().send(from("http-models"), e -> {
            e.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
        });
        assertThat(RouteFiles.steps(list)).contains("http-models-accept", "models-list", "http-models-respond")
                .as("admin-commands steps only where a route names it").doesNotContain("admin-command-caller");
        assertThat(list.getProperty("securityCommandAsked")).isNull();
        assertThat(JSON.readTree(list.getMessage().getBody(String.class)).get("models")).isEmpty();

        Exchange missing = routes.camel().createProducerTemplate().send(from("http-model"), e -> {
            e.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
            e.getIn().setHeader("name", "spam");
        });
        RouteFiles.assertHttpError(missing, 404, "model_not_found");
    }

    /** The endpoint an HTTP route consumes from (its path, as a direct: endpoint here). */
    private static org.apache.camel.Endpoint from(String routeId) {
        return routes.camel().getRoute(routeId).getEndpoint();
    }

    private static Exchange command(String name, String command, String body) {
        return routes.camel().createProducerTemplate().send(from("http-model-command"),
                e -> request(e, name, command, body));
    }

    private static void request(Exchange exchange, String name, String command, String body) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(Exchange.HTTP_METHOD, "POST");
        headers.put(Exchange.CONTENT_TYPE, "application/json");
        headers.put("name", name);
        headers.put("command", command);
        exchange.getIn().setHeaders(headers);
        exchange.getIn().setBody(body);
    }
}
