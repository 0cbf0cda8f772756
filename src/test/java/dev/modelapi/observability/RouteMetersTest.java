package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.RoutePolicyFactory;
import org.junit.jupiter.api.Test;

/**
 * The service's route policy reports what camel-micrometer's reports at route level: the same
 * meters (names, tags) with the same counts, for routes that succeed, fail, handle a failure and
 * call one another on the same exchange; and a removed route takes its meters with it.
 */
class RouteMetersTest {

    static RouteBuilder routes() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:answer").routeId("answer").to("direct:inner").setBody(simple("${body}!"));
                from("direct:inner").routeId("inner").setBody(simple("<${body}>"));
                from("direct:broken").routeId("broken").throwException(new IllegalStateException("no model"));
                from("direct:forgiving").routeId("forgiving")
                        .onException(IllegalStateException.class).handled(true).setBody(constant("sorry")).end()
                        .throwException(new IllegalStateException("no model"));
            }
        };
    }

    /** Sends the same traffic through a fresh context with the given policy; the meters it leaves, by id. */
    static Map<String, Double> metersAfterTraffic(RoutePolicyFactory policies, MeterRegistry registry) throws Exception {
        CamelContext camel = startedWith(policies);
        try {
            ProducerTemplate send = camel.createProducerTemplate();
            for (int i = 0; i < 3; i++) {
                assertThat(send.requestBody("direct:answer", "text", String.class)).isEqualTo("<text>!");
            }
            assertThatThrownBy(() -> send.requestBody("direct:broken", "text")).isInstanceOf(CamelExecutionException.class);
            assertThat(send.requestBody("direct:forgiving", "text", String.class)).isEqualTo("sorry");
            return byId(registry);
        } finally {
            camel.stop();
        }
    }

    static CamelContext startedWith(RoutePolicyFactory policies) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        camel.getCamelContextExtension().setName("model-api");
        camel.addRoutePolicyFactory(policies);
        camel.addRoutes(routes());
        camel.start();
        return camel;
    }

    static Map<String, Double> byId(MeterRegistry registry) {
        Map<String, Double> meters = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            if (meter.getId().getName().startsWith("camel.")) {
                Meter.Id id = meter.getId();
                double count = meter.measure().iterator().next().getValue(); // a counter's count, a timer's count
                meters.put(id.getName() + id.getTags() + " " + id.getType(), count);
            }
        }
        return meters;
    }

    @Test
    void shouldReportTheMetersCamelMicrometersRoutePolicyReportsPerRoute() throws Exception {
        MeterRegistry camels = new SimpleMeterRegistry();
        MicrometerRoutePolicyFactory camelPolicy = new MicrometerRoutePolicyFactory();
        camelPolicy.setMeterRegistry(camels);
        camelPolicy.getPolicyConfiguration().setContextEnabled(false);
        Map<String, Double> expected = metersAfterTraffic(camelPolicy, camels);

        MeterRegistry ours = new SimpleMeterRegistry();
        Map<String, Double> actual = metersAfterTraffic(new RouteMeters(ours), ours);

        assertThat(expected).isNotEmpty();
        assertThat(actual).isEqualTo(expected);
        assertThat(actual).containsEntry(
                "camel.exchanges.total[tag(camelContext=model-api), tag(eventType=route), tag(kind=CamelRoute), tag(routeId=inner)] COUNTER",
                3.0);
    }

    @Test
    void shouldCountSuccessFailureAndHandledFailurePerRoute() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Double> meters = metersAfterTraffic(new RouteMeters(registry), registry);

        assertThat(count(meters, "camel.exchanges.total", "answer")).isEqualTo(3);
        assertThat(count(meters, "camel.exchanges.succeeded", "answer")).isEqualTo(3);
        assertThat(count(meters, "camel.route.policy", "answer")).isEqualTo(3);
        assertThat(count(meters, "camel.exchanges.failed", "broken")).isEqualTo(1);
        assertThat(count(meters, "camel.exchanges.succeeded", "broken")).isZero();
        assertThat(count(meters, "camel.exchanges.failures.handled", "forgiving")).isEqualTo(1);
        assertThat(count(meters, "camel.exchanges.failed", "forgiving")).isZero();
    }

    static double count(Map<String, Double> meters, String name, String routeId) {
        return meters.entrySet().stream()
                .filter(meter -> meter.getKey().startsWith(name + "[") && meter.getKey().contains("tag(routeId=" + routeId + ")"))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    @Test
    void shouldLeaveNoTimerSampleOnTheExchange() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        CamelContext camel = startedWith(new RouteMeters(registry));
        try {
            var answered = camel.createProducerTemplate().request("direct:answer", exchange -> exchange.getIn().setBody("text"));
            assertThat(answered.getProperties().keySet()).noneMatch(key -> key.startsWith("camel.route.policy"));
        } finally {
            camel.stop();
        }
    }

    @Test
    void shouldRemoveARoutesMetersWithTheRoute() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        CamelContext camel = startedWith(new RouteMeters(registry));
        try {
            assertThat(registry.find("camel.exchanges.total").tag("routeId", "broken").counter()).isNotNull();

            camel.getRouteController().stopRoute("broken");
            camel.removeRoute("broken");

            assertThat(registry.find("camel.exchanges.total").tag("routeId", "broken").counters()).isEmpty();
            assertThat(registry.find("camel.route.policy").tag("routeId", "broken").timers()).isEmpty();
            assertThat(registry.find("camel.exchanges.total").tag("routeId", "answer").counter()).isNotNull();
        } finally {
            camel.stop();
        }
    }
}
