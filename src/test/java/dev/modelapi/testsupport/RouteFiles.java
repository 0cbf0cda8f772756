package dev.modelapi.testsupport;

import dev.modelapi.pipeline.TaskPredicates;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.springframework.context.annotation.Bean;

/**
 * One route file of routes/ in a plain Camel context of its own, for route tests that check an
 * edit in a second or two: the file and the route configurations of errors.camel.yaml, the beans
 * it names (the test's: real ones where they are light, stand-ins where they would need models or
 * servers), the settings its placeholders read, and the test's own routes in place of what the
 * file calls ({@code direct:predict}: the pipeline, with the models, stubbed). Steps are found by
 * their ids (AdviceWith, message history). The application's named predicates
 * ({@link TaskPredicates}) are always bound.
 */
public final class RouteFiles implements AutoCloseable {

    public static final Path DIRECTORY = Path.of("routes");

    private final DefaultCamelContext camel = new DefaultCamelContext();

    /** The security events the routes recorded, when the test bound no {@code securityEvents} of its own. */
    public final RecordedSecurityEvents securityEvents = new RecordedSecurityEvents();

    private RouteFiles() {
    }

    /** Every route file of routes/ ({@code *.camel.yaml}), by name. */
    public static java.util.List<Path> all() throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(DIRECTORY)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".camel.yaml")).sorted().toList();
        }
    }

    /**
     * A context with {@code beans} bound by name, {@code settings} for the placeholders, and the
     * route files (errors.camel.yaml is always loaded, for its route configurations), not started:
     * advise it, then {@link #start}.
     */
    public static RouteFiles of(Map<String, Object> beans, Map<String, String> settings, String... files)
            throws Exception {
        return of(camel -> beans, settings, files);
    }

    /**
     * As {@link #of(Map, Map, String...)}, for beans that need the context itself (made before the
     * files are loaded, so that they see the templates the files add).
     */
    public static RouteFiles of(java.util.function.Function<CamelContext, Map<String, Object>> beans,
            Map<String, String> settings, String... files) throws Exception {
        RouteFiles routes = new RouteFiles();
        DefaultCamelContext camel = routes.camel;
        camel.setMessageHistory(true);
        Properties properties = new Properties();
        properties.putAll(settings);
        camel.getPropertiesComponent().setInitialProperties(properties);
        Map<String, Object> bound = beans.apply(camel);
        bound.forEach(camel.getRegistry()::bind);
        if (!bound.containsKey("securityEvents")) {
            // errors.camel.yaml's admin-commands records commands with it; its events stay in the test's memory
            camel.getRegistry().bind("securityEvents", routes.securityEvents.recorder);
        }
        // the named predicates the files' filters use (ref: textUnanswered): every bean method of the
        // application's TaskPredicates, under its bean name, so a new predicate needs no edit here
        TaskPredicates predicates = new TaskPredicates();
        for (Method method : TaskPredicates.class.getMethods()) {
            if (method.isAnnotationPresent(Bean.class)
                    && !bound.containsKey(method.getName())) {
                camel.getRegistry().bind(method.getName(), method.invoke(predicates));
            }
        }
        RoutesLoader loader = PluginHelper.getRoutesLoader(camel);
        loader.loadRoutes(resource(camel, "errors.camel.yaml"));
        for (String file : files) {
            loader.loadRoutes(resource(camel, file));
        }
        return routes;
    }

    private static Resource resource(CamelContext camel, String file) {
        return ResourceHelper.resolveResource(camel, "file:" + DIRECTORY.resolve(file).toAbsolutePath());
    }

    /** Routes of the test's own, e.g. a stub of {@code direct:predict}. */
    public RouteFiles with(RouteBuilder routes) throws Exception {
        camel.addRoutes(routes);
        return this;
    }

    public RouteFiles start() {
        camel.start();
        return this;
    }

    public DefaultCamelContext camel() {
        return camel;
    }

    /** The ids of the steps an exchange went through, in order (message history is on). */
    @SuppressWarnings("unchecked")
    public static java.util.List<String> steps(org.apache.camel.Exchange exchange) {
        java.util.List<org.apache.camel.MessageHistory> history =
                exchange.getProperty(org.apache.camel.Exchange.MESSAGE_HISTORY, java.util.List.class);
        return history == null ? java.util.List.of() : history.stream().map(h -> h.getNode().getId()).toList();
    }

    /**
     * An HTTP route's error answer as the HTTP routes give it: the status, a JSON error with the
     * code and a request id, and the exchange handled (no exception left for the caller).
     */
    public static void assertHttpError(org.apache.camel.Exchange done, int status, String code) throws Exception {
        org.assertj.core.api.Assertions.assertThat(done.getMessage().getHeader(org.apache.camel.Exchange.HTTP_RESPONSE_CODE))
                .isEqualTo(status);
        com.fasterxml.jackson.databind.JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(done.getMessage().getBody(String.class)).get("error");
        org.assertj.core.api.Assertions.assertThat(error.get("code").asText()).isEqualTo(code);
        org.assertj.core.api.Assertions.assertThat(error.get("requestId").asText()).isNotBlank();
        org.assertj.core.api.Assertions.assertThat(done.getException()).isNull();
    }

    @Override
    public void close() {
        camel.stop();
    }
}
