package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.RouteFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.info.BuildProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document at {@code /openapi.yaml} against the running service: every documented
 * operation is called for real (with its documented example body, without a key, with an unknown
 * model, with a malformed body) and must answer with a status it documents; and every HTTP route
 * in {@code routes/} is documented, and nothing else.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.security.enabled=true", "modelapi.security.requests-per-second=0"})
@SuppressWarnings("unchecked") // the parsed YAML is maps of Object all the way down
class OpenApiDocumentTest {

    static final String KEY = "modelapi-dev-key";
    /** Real path values; a model unloaded by its example is loaded again at once. */
    static final Map<String, String> PATH_VALUES = Map.of("name", "spam-roberta", "model", "spam-roberta",
            "version", "1");
    static final String ENSEMBLE = "spam-default";
    static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}]+)}");

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    BuildProperties build;

    @Test
    void shouldServeTheDocumentWithoutAKey() {
        ResponseEntity<String> response = http.getForEntity("/openapi.yaml", String.class);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getHeaders().getContentType()).isNotNull();
        assertThat(response.getHeaders().getContentType().getSubtype()).isEqualTo("yaml");
        Map<String, Object> document = new Yaml().load(response.getBody());
        assertThat((String) document.get("openapi")).startsWith("3.0.");
        assertThat(map(document, "info").get("version")).isEqualTo(build.getVersion());
    }

    @Test
    void shouldAnswerEveryDocumentedOperationWithAStatusItDocuments() throws Exception {
        Map<String, Object> document = document();
        SoftAssertions softly = new SoftAssertions();
        int operations = 0;
        for (Map.Entry<String, Object> path : map(document, "paths").entrySet()) {
            for (Map.Entry<String, Object> entry : ((Map<String, Object>) path.getValue()).entrySet()) {
                HttpMethod method = HttpMethod.valueOf(entry.getKey().toUpperCase(Locale.ROOT));
                Map<String, Object> operation = (Map<String, Object>) entry.getValue();
                String what = entry.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                Set<String> documented = responses(document, operation).keySet();
                String example = exampleBody(document, operation);
                operations++;

                List<String> models = new ArrayList<>(List.of(PATH_VALUES.get("model")));
                if (path.getKey().contains("{model}") && !path.getKey().contains("{version}")) {
                    models.add(ENSEMBLE); // a named ensemble is addressed as a model
                }
                for (String model : models) {
                    String url = fill(path.getKey(), model);
                    ResponseEntity<String> response = call(method, url, example, true);
                    int status = response.getStatusCode().value();
                    softly.assertThat(documented).as("%s: %s is documented (%s)", what, status, response.getBody())
                            .contains(Integer.toString(status));
                    if (path.getKey().endsWith("/rollback")) {
                        // the demo model has one version, so there is no earlier default to go back to
                        softly.assertThat(status).as("%s: %s", url, response.getBody()).isEqualTo(409);
                    } else {
                        softly.assertThat(status).as("%s with the documented example: %s", url, response.getBody())
                                .isBetween(200, 299);
                    }
                    checkContent(softly, document, operation, url, response);
                    if (path.getKey().endsWith("/unload") && status == 200) {
                        call(HttpMethod.POST, url.replace("/unload", "/load"), example, true); // serve it again
                    }
                }

                int noKey = call(method, fill(path.getKey(), PATH_VALUES.get("model")), example, false)
                        .getStatusCode().value();
                softly.assertThat(documented).as("%s without a key: %s", what, noKey).contains(Integer.toString(noKey));
                if (path.getKey().contains("{model}") || path.getKey().contains("{name}")) {
                    ResponseEntity<String> unknown = call(method, fill(path.getKey(), "no-such-model"), example, true);
                    int status = unknown.getStatusCode().value();
                    softly.assertThat(documented).as("%s, an unknown model: %s", what, status)
                            .contains(Integer.toString(status));
                    softly.assertThat(status).as("%s, an unknown model", what).isBetween(400, 499);
                }
                if (example != null) {
                    int malformed = call(method, fill(path.getKey(), PATH_VALUES.get("model")), "{", true)
                            .getStatusCode().value();
                    softly.assertThat(malformed).as("%s with a malformed body", what).isEqualTo(400);
                    softly.assertThat(documented).contains("400");
                }
            }
        }
        softly.assertAll();
        assertThat(operations).isEqualTo(27);
    }

    @Test
    void shouldDocumentEveryHttpRouteAndNoOther() throws Exception {
        Set<String> routes = new TreeSet<>();
        for (Path file : RouteFiles.all()) {
            routes.addAll(platformHttpPaths(file));
        }
        Set<String> documented = new TreeSet<>();
        // one route serves the four model commands, which the document lists one by one (each its own body)
        map(document(), "paths").keySet().forEach(path -> documented.add(shape(path)
                .replaceFirst("^/api/v1/models/\\{}/(load|unload|default|rollback)$", "/api/v1/models/{}/{}")));

        assertThat(routes).as("platform-http routes in routes/").isNotEmpty().contains("/v2/models/{}/infer");
        assertThat(documented).isEqualTo(routes);
    }

    /** The platform-http paths of a route file, with path parameters as {}. */
    private static List<String> platformHttpPaths(Path file) throws IOException {
        List<String> paths = new ArrayList<>();
        List<Map<String, Object>> entries = new Yaml().load(Files.readString(file));
        for (Map<String, Object> entry : entries == null ? List.<Map<String, Object>>of() : entries) {
            if (entry.get("route") instanceof Map<?, ?> route && route.get("from") instanceof Map<?, ?> from
                    && from.get("uri") instanceof String uri && uri.startsWith("platform-http:")) {
                String path = uri.substring("platform-http:".length());
                paths.add(shape(path.contains("?") ? path.substring(0, path.indexOf('?')) : path));
            }
        }
        return paths;
    }

    private static String shape(String path) {
        return PATH_PARAMETER.matcher(path).replaceAll("{}");
    }

    private ResponseEntity<String> call(HttpMethod method, String url, String body, boolean withKey) {
        HttpHeaders headers = new HttpHeaders();
        if (withKey) {
            headers.set("X-API-Key", KEY);
        }
        if (body != null) {
            headers.setContentType(MediaType.APPLICATION_JSON);
        }
        return http.exchange(url, method, new HttpEntity<>(body, headers), String.class);
    }

    /** A documented success says which content types it has; a JSON one holds its schema's required fields. */
    private void checkContent(SoftAssertions softly, Map<String, Object> document, Map<String, Object> operation,
            String url, ResponseEntity<String> response) throws Exception {
        Object documented = responses(document, operation).get(Integer.toString(response.getStatusCode().value()));
        if (!(documented instanceof Map<?, ?>) || !(resolve(document, documented).get("content") instanceof Map<?, ?>)) {
            return;
        }
        Map<String, Object> content = map(resolve(document, documented), "content");
        MediaType actual = response.getHeaders().getContentType();
        softly.assertThat(actual).as("%s: a content type", url).isNotNull();
        if (actual == null) {
            return;
        }
        String type = content.keySet().stream().filter(t -> MediaType.parseMediaType(t).isCompatibleWith(actual))
                .findFirst().orElse(null);
        softly.assertThat(type).as("%s: %s is one of %s", url, actual, content.keySet()).isNotNull();
        if (type == null || !type.equals("application/json")) {
            return;
        }
        Map<String, Object> schema = resolve(document, map(map(content, type), "schema"));
        JsonNode body = json.readTree(response.getBody());
        for (Object field : (List<?>) schema.getOrDefault("required", List.of())) {
            softly.assertThat(body.has((String) field)).as("%s: the answer has \"%s\"", url, field).isTrue();
        }
    }

    private Map<String, Object> document() {
        ResponseEntity<String> response = http.getForEntity("/openapi.yaml", String.class);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        return new Yaml().load(response.getBody());
    }

    private static Map<String, Object> responses(Map<String, Object> document, Map<String, Object> operation) {
        Map<String, Object> responses = new TreeMap<>();
        map(operation, "responses").forEach((status, response) -> responses.put(String.valueOf(status), response));
        return responses;
    }

    /** The operation's JSON request example, or null when it takes no body. */
    private String exampleBody(Map<String, Object> document, Map<String, Object> operation) throws Exception {
        if (!(operation.get("requestBody") instanceof Map<?, ?>)) {
            return null;
        }
        Map<String, Object> body = resolve(document, operation.get("requestBody"));
        Map<String, Object> media = map(map(body, "content"), "application/json");
        assertThat(media).as("a request body has a JSON example").containsKey("example");
        return json.writeValueAsString(media.get("example"));
    }

    private static String fill(String path, String model) {
        Matcher parameter = PATH_PARAMETER.matcher(path);
        StringBuilder url = new StringBuilder();
        while (parameter.find()) {
            String name = parameter.group(1);
            String value = name.equals("model") || name.equals("name") ? model : PATH_VALUES.get(name);
            assertThat(value).as("a value for path parameter %s", name).isNotNull();
            parameter.appendReplacement(url, Matcher.quoteReplacement(value));
        }
        parameter.appendTail(url);
        return url.toString();
    }

    /** Follows a local {@code $ref} ("#/components/..."). */
    private static Map<String, Object> resolve(Map<String, Object> document, Object node) {
        Map<String, Object> map = (Map<String, Object>) node;
        if (!(map.get("$ref") instanceof String ref)) {
            return map;
        }
        Map<String, Object> target = document;
        for (String part : ref.substring(2).split("/")) {
            target = map(target, part);
        }
        return resolve(document, target);
    }

    private static Map<String, Object> map(Map<String, Object> node, String key) {
        Object value = node.get(key);
        assertThat(value).as(key).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }
}
