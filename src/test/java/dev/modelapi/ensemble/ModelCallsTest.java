package dev.modelapi.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.testsupport.TestFiles;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One route per model version from the {@code model-call} template: made on first use, remade
 * when the template is loaded again, removed once its version has been unloaded for longer than
 * twice the request timeout (here 2 x 5 ms). Three copies of a real demo model, a plain CamelContext.
 */
class ModelCallsTest {

    static final ModelRef V1 = new ModelRef("spam-distilbert", "1");
    static final ModelRef V2 = new ModelRef("spam-distilbert", "2");

    DefaultCamelContext camel;
    ModelRegistry registry;
    ModelCalls calls;

    static RouteBuilder template(String marker) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                routeTemplate("model-call").templateParameter("model").templateParameter("endpoint")
                        .from("direct:{{endpoint}}").setBody(constant(marker + " {{model}}"));
            }
        };
    }

    @BeforeEach
    void start() throws Exception {
        Path repository = TestFiles.repositoryWith("spam-distilbert", "1");
        TestFiles.copyDirectory(Path.of("models/spam-distilbert/1"), repository.resolve("spam-distilbert/2"));
        registry = ModelRegistry.loadFrom(repository, new ModelProperties(repository, 1, Duration.ofSeconds(5), "cpu", false));
        camel = new DefaultCamelContext();
        camel.start();
        calls = new ModelCalls(camel, registry, Duration.ofMillis(5));
        camel.addRoutes(template("first"));
    }

    @AfterEach
    void stop() {
        camel.stop();
        registry.close();
    }

    private String call(ModelRef model) {
        return camel.createProducerTemplate().requestBody(calls.endpointFor(model), "texts", String.class);
    }

    @Test
    void shouldMakeOneRoutePerModelVersionOnFirstUse() {
        assertThat(call(V1)).isEqualTo("first spam-distilbert:1");
        assertThat(call(V2)).isEqualTo("first spam-distilbert:2");
        Route first = camel.getRoute("model-call-spam-distilbert-1");

        assertThat(call(V1)).isEqualTo("first spam-distilbert:1");
        assertThat(camel.getRoute("model-call-spam-distilbert-1")).isSameAs(first);
        assertThat(calls.modelOf("direct://model-call-spam-distilbert-2")).contains(V2);
        assertThat(calls.modelOf("direct:model-call-spam-distilbert-1")).contains(V1);
        assertThat(calls.modelOf("direct:somewhere-else")).isEmpty();
    }

    @Test
    void shouldRemakeTheRoutesWhenTheTemplateIsLoadedAgain() throws Exception {
        assertThat(call(V1)).isEqualTo("first spam-distilbert:1");

        camel.addRoutes(template("second")); // what a reload of routes/ensemble.camel.yaml does

        assertThat(call(V1)).isEqualTo("second spam-distilbert:1");
        assertThat(calls.routeIdOf(V1)).contains("model-call-spam-distilbert-1");
    }

    @Test
    void shouldRemoveTheRouteOfAVersionUnloadedLongerThanAnyRequestWaits() {
        call(V1);
        registry.unload("spam-distilbert", "1");

        call(V2); // sees version 1 unloaded: its route stays while requests already sent to it finish
        assertThat(camel.getRoute("model-call-spam-distilbert-1")).isNotNull();

        await().atMost(Duration.ofSeconds(5)).until(() -> {
            call(V2);
            return camel.getRoute("model-call-spam-distilbert-1") == null;
        });
        assertThat(calls.modelOf("direct:model-call-spam-distilbert-1")).isEmpty();
        assertThat(camel.getRoute("model-call-spam-distilbert-2")).isNotNull();
    }
}
