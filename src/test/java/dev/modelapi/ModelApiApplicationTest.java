package dev.modelapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.model.ModelRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.ExpressionNode;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.language.MethodCallExpression;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelApiApplicationTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ModelRegistry registry;

    @Autowired
    CamelContext camel;

    @Autowired
    MeterRegistry meters;

    @Autowired
    ServletWebServerApplicationContext web;

    @Value("${modelapi.data-directory}")
    Path dataDirectory;

    @Test
    void shouldStartWithTheDemoModelsLoadedAndReportThemInHealth() {
        ResponseEntity<String> health = http.getForEntity("/actuator/health", String.class);

        assertThat(registry.all()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(registry.failures()).isEmpty();
        assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(health.getBody()).contains("\"status\":\"UP\"", "spam-distilbert:1", "spam-roberta:1");
    }

    /**
     * Tomcat's base directory is the data directory's tomcat/, which every start reuses: Boot's default
     * is a new /tmp/tomcat.&lt;port&gt;.&lt;n&gt; at each start, never deleted (its deleteOnExit cannot
     * delete a folder that is not empty).
     */
    @Test
    void shouldKeepTomcatsBaseDirectoryInTheDataDirectoryInsteadOfANewTemporaryOne() throws Exception {
        String base = ((TomcatWebServer) web.getWebServer()).getTomcat().getServer().getCatalinaBase().getCanonicalPath();

        assertThat(Path.of(base)).isEqualTo(dataDirectory.resolve("tomcat").toFile().getCanonicalFile().toPath());
        assertThat(Path.of(base).resolve("work")).isDirectory();
    }

    /**
     * seda:audit holds 1,000 rows by default, and its gauge says so: under a load the writer cannot keep up
     * with, the queue is full at any size, and at 10,000 its rows were promoted into the old generation,
     * which doubled the heap and lengthened the young pauses after the burst (docs/performance.md, stop 71).
     */
    @Test
    void shouldBoundTheAuditQueueAtAThousandRowsByDefault() {
        SedaEndpoint queue = (SedaEndpoint) camel.getRoute("audit-write").getEndpoint();

        assertThat(queue.getSize()).isEqualTo(1000);
        assertThat(queue.getQueue().remainingCapacity() + queue.getQueue().size()).isEqualTo(1000);
        assertThat(meters.get("modelapi.audit.queue.capacity").gauge().value()).isEqualTo(1000.0);
    }

    /**
     * By default (modelapi.worker-thread-nice 0) no worker changes its nice value: under a load client
     * on the same cores uncached requests ran 0.85-0.90x at 10 (docs/performance.md). The threads at 10
     * are checked in HttpWithoutWaitingThreadsTest, which sets it.
     */
    @Test
    void shouldLeaveTheWorkersAtTheProcesssNiceValueByDefault() {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        ResponseEntity<String> answer = http.postForEntity("/api/v1/predict", new HttpEntity<>(
                "{\"text\": \"Subject: nice " + UUID.randomUUID() + "\"}", headers), String.class);
        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.OK);

        assertThat(meters.get("modelapi.threads.reniced").tag("pool", "http").functionCounter().count()).isZero();
        assertThat(meters.get("modelapi.threads.reniced").tag("pool", "forward").functionCounter().count()).isZero();
    }

    /**
     * Camel chooses among a bean's methods of the same name anew on every call (BeanInfo.chooseMethod:
     * 1.4 % of a cache hit's CPU when predictRequests.single had two forms; docs/performance.md), so
     * every method a route names, in a bean step or a method expression, has one public form.
     */
    @Test
    void shouldNameOnlyBeanMethodsWithOneFormInTheRoutes() {
        Map<String, String> calls = new TreeMap<>();
        List<RouteDefinition> routes = camel.getCamelContextExtension().getContextPlugin(Model.class)
                .getRouteDefinitions();
        for (RouteDefinition route : routes) {
            for (BeanDefinition step : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(),
                    BeanDefinition.class)) {
                if (step.getRef() != null && step.getMethod() != null) {
                    calls.put(step.getRef() + "." + methodName(step.getMethod()), route.getRouteId());
                }
            }
            for (ExpressionNode node : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(),
                    ExpressionNode.class)) {
                if (node.getExpression() instanceof MethodCallExpression call && call.getRef() != null
                        && call.getMethod() != null) {
                    calls.put(call.getRef() + "." + methodName(call.getMethod()), route.getRouteId());
                }
            }
        }

        List<String> overloaded = new ArrayList<>();
        calls.forEach((call, routeId) -> {
            String ref = call.substring(0, call.indexOf('.'));
            String name = call.substring(call.indexOf('.') + 1);
            Object bean = camel.getRegistry().lookupByName(ref);
            assertThat(bean).as("the bean %s named in route %s", ref, routeId).isNotNull();
            long forms = Arrays.stream(bean.getClass().getMethods())
                    .filter(m -> m.getName().equals(name) && !m.isBridge())
                    .map(m -> Arrays.asList(m.getParameterTypes()))
                    .distinct().count();
            assertThat(forms).as("public methods %s of %s (route %s)", name, bean.getClass().getName(), routeId)
                    .isPositive();
            if (forms > 1) {
                overloaded.add(call + " in " + routeId);
            }
        });

        assertThat(calls).as("the bean calls found in the routes").hasSizeGreaterThan(50)
                .containsKeys("predictRequests.single", "predictionCache.lookup", "voter.vote", "modelCalls.recipients");
        assertThat(overloaded).isEmpty();
    }

    private static String methodName(String method) {
        int arguments = method.indexOf('(');
        return (arguments < 0 ? method : method.substring(0, arguments)).trim();
    }
}
