package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.testsupport.RouteFiles;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * routes/traffic.camel.yaml on its own: that each policy's step gets its settings from the
 * placeholders, and that the shadow's answers go on to the audit ({@code direct:audit-store}).
 * What the policies decide is TrafficPolicyTest's, on real models.
 */
class TrafficRoutesTest {

    RouteFiles routes;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Object> audited = new CopyOnWriteArrayList<>();

    /** Records the arguments of the split step. */
    public final class SplitStandIn {
        public void split(List<?> tasks, String model, String weights) {
            calls.add("split " + tasks.size() + " " + model + " " + weights);
        }
    }

    /** Records the arguments of the shadow step and answers with one row per text. */
    public final class ShadowStandIn {
        public List<String> compare(List<?> tasks, String model) {
            calls.add("shadow " + tasks.size() + " " + model);
            return tasks.stream().map(task -> "row of " + task).toList();
        }
    }

    void start(String splitModel, String weights, String shadowModel) throws Exception {
        routes = RouteFiles.of(Map.of("trafficSplit", new SplitStandIn(), "shadowModel", new ShadowStandIn()),
                        Map.of("modelapi.traffic.split.model", splitModel, "modelapi.traffic.split.weights", weights,
                                "modelapi.traffic.shadow.model", shadowModel),
                        "traffic.camel.yaml")
                .with(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:audit-store").routeId("audit-stand-in").process(e -> audited.add(e.getIn().getBody()));
                    }
                })
                .start();
    }

    @AfterEach
    void close() {
        if (routes != null) {
            routes.close();
        }
    }

    @Test
    void shouldGiveTheSplitItsModelAndWeights() throws Exception {
        start("spam-roberta", "1=90,2=10", "");

        routes.camel().createProducerTemplate().sendBody("direct:traffic-split", List.of("a", "b"));

        assertThat(calls).containsExactly("split 2 spam-roberta 1=90,2=10");
    }

    @Test
    void shouldAuditWhatTheShadowAnswered() throws Exception {
        start("", "", "spam-deberta:2");

        routes.camel().createProducerTemplate().sendBody("direct:shadow", List.of("a", "b"));

        assertThat(calls).containsExactly("shadow 2 spam-deberta:2");
        assertThat(audited).containsExactly(List.of("row of a", "row of b"));
    }

    @Test
    void shouldPassAnEmptySettingOnAsOff() throws Exception {
        start("", "", "");

        routes.camel().createProducerTemplate().sendBody("direct:traffic-split", List.of("a"));
        routes.camel().createProducerTemplate().sendBody("direct:shadow", List.of("a"));

        // blank is the beans' "off" (TrafficSplit and ShadowModel return at once on it)
        assertThat(calls).containsExactly("split 1  ", "shadow 1 ");
    }
}
