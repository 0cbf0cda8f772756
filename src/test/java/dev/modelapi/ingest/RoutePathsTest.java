package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.ingest.RoutePaths.Kind;
import org.junit.jupiter.api.Test;

/** The consumer a path goes to, as Spring MVC's mapping would choose it, or none where it might not ({@link RoutePaths}). */
class RoutePathsTest {

    private final RoutePaths<String> paths = new RoutePaths<>();

    private void start(String path) {
        paths.add(path, false, path);
    }

    private String found(String path) {
        RoutePaths.Match<String> match = paths.find(path);
        return match == null ? null : match.consumer();
    }

    @Test
    void shouldTellExactPathsTemplatesAndWhatItDoesNotModel() {
        assertThat(RoutePaths.kindOf("/api/v1/predict", false)).isEqualTo(Kind.EXACT);
        assertThat(RoutePaths.kindOf("/v2/models/{model}", false)).isEqualTo(Kind.TEMPLATE);
        assertThat(RoutePaths.kindOf("/files/*", false)).isEqualTo(Kind.UNMODELLED);
        assertThat(RoutePaths.kindOf("/api/v1/predict", true)).as("matchOnUriPrefix").isEqualTo(Kind.UNMODELLED);
    }

    @Test
    void shouldPreferAnExactPathThenTheMostSpecificTemplate() {
        start("/api/v1/models/{name}/{command}");
        start("/api/v1/models/{name}/drift");
        start("/api/v1/models/{name}");
        start("/api/v1/models/all/drift");
        start("/v2/models/{model}/infer");
        start("/v2/models/{model}/versions/{version}/infer");

        assertThat(found("/api/v1/models/all/drift")).isEqualTo("/api/v1/models/all/drift");
        assertThat(found("/api/v1/models/spam/drift")).isEqualTo("/api/v1/models/{name}/drift");
        assertThat(found("/api/v1/models/spam/reload")).isEqualTo("/api/v1/models/{name}/{command}");
        assertThat(found("/api/v1/models/spam")).isEqualTo("/api/v1/models/{name}");
        assertThat(found("/v2/models/spam/versions/2/infer")).isEqualTo("/v2/models/{model}/versions/{version}/infer");
        assertThat(paths.find("/v2/models/spam/infer").pattern()).isEqualTo("/v2/models/{model}/infer");
        assertThat(found("/v2/models/spam/infer/")).as("no trailing-slash match, as Spring MVC 6").isNull();
        assertThat(found("/v2/models/spam")).isNull();
        assertThat(found("/api/v1/predict")).isNull();
    }

    @Test
    void shouldLeaveTwoEquallySpecificTemplatesToSpringMvc() {
        start("/a/{x}/b");
        start("/a/b/{y}");
        start("/c/{x}");

        assertThat(found("/a/b/b")).as("Spring MVC's ambiguous handler").isNull();
        assertThat(found("/a/q/b")).isEqualTo("/a/{x}/b");
        assertThat(found("/c/1")).isEqualTo("/c/{x}");
    }

    @Test
    void shouldLeaveTemplatesToSpringMvcWhileAWildcardRouteRuns() {
        start("/v2/models/{model}/infer");
        start("/api/v1/predict");
        paths.add("/files/*", false, "files");

        assertThat(found("/v2/models/spam/infer")).isNull();
        assertThat(found("/api/v1/predict")).isEqualTo("/api/v1/predict");

        paths.remove("/files/*", false, "files");

        assertThat(found("/v2/models/spam/infer")).isEqualTo("/v2/models/{model}/infer");
    }

    @Test
    void shouldNotLetAConsumerStoppedWithoutStartingHideAWildcardRoute() {
        start("/v2/models/{model}/infer");
        paths.remove("/other/*", false, "never started"); // Camel stops a consumer whose start failed
        paths.add("/files/*", false, "files");

        assertThat(found("/v2/models/spam/infer")).as("a wildcard route runs").isNull();
    }

    @Test
    void shouldKeepAReloadedRoutesNewConsumerWhenTheOldOneStops() {
        paths.add("/v2/models/{model}/infer", false, "old");
        paths.add("/v2/models/{model}/infer", false, "new");
        paths.add("/api/v1/predict", false, "old");
        paths.add("/api/v1/predict", false, "new");

        paths.remove("/v2/models/{model}/infer", false, "old");
        paths.remove("/api/v1/predict", false, "old");

        assertThat(found("/v2/models/spam/infer")).isEqualTo("new");
        assertThat(found("/api/v1/predict")).isEqualTo("new");

        paths.remove("/v2/models/{model}/infer", false, "new");
        paths.remove("/api/v1/predict", false, "new");

        assertThat(found("/v2/models/spam/infer")).isNull();
        assertThat(found("/api/v1/predict")).isNull();
    }
}
