package dev.modelapi.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.NonManagedService;
import org.apache.camel.Route;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyNamingStrategy;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.support.RoutePolicySupport;

/**
 * The route meters camel-micrometer's route policy reports (its names and tags, per route), without
 * its cost per exchange: it names the exchange property holding a route's timer sample with a
 * {@code String.format} of the route and exchange ids, three times per exchange and route (a tenth
 * of a cache hit's allocations, docs/performance.md). Here each route's property name is made once.
 */
public final class RouteMeters implements RoutePolicyFactory {

    private static final MicrometerRoutePolicyNamingStrategy NAMES = MicrometerRoutePolicyNamingStrategy.DEFAULT;

    private final MeterRegistry registry;

    public RouteMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camelContext, String routeId, NamedNode route) {
        return new Policy(registry);
    }

    /** One route's meters, registered when the route starts and removed with it (a reloaded YAML file). */
    static final class Policy extends RoutePolicySupport implements NonManagedService {

        private final MeterRegistry registry;
        private volatile Meters meters;

        Policy(MeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void onStart(Route route) {
            if (meters == null) {
                meters = new Meters(registry, route);
            }
        }

        @Override
        public void onRemove(Route route) {
            Meters removed = meters;
            meters = null;
            if (removed != null) {
                removed.remove(registry);
            }
        }

        @Override
        public void onExchangeBegin(Route route, Exchange exchange) {
            Meters current = meters;
            if (current != null) {
                exchange.setProperty(current.sampleProperty, Timer.start(registry));
            }
        }

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            Meters current = meters;
            if (current == null) {
                return;
            }
            if (exchange.removeProperty(current.sampleProperty) instanceof Timer.Sample sample) {
                sample.stop(current.time);
            }
            current.total.increment();
            if (exchange.isFailed()) {
                current.failed.increment();
                return;
            }
            current.succeeded.increment();
            if (ExchangeHelper.isFailureHandled(exchange)) {
                current.failuresHandled.increment();
            }
            if (exchange.isExternalRedelivered()) {
                current.externalRedeliveries.increment();
            }
        }
    }

    /** The meters of one route, with camel-micrometer's default names, tags and descriptions. */
    private static final class Meters {
        final String sampleProperty;
        final Timer time;
        final Counter total;
        final Counter succeeded;
        final Counter failed;
        final Counter failuresHandled;
        final Counter externalRedeliveries;

        Meters(MeterRegistry registry, Route route) {
            sampleProperty = NAMES.getName(route) + "-" + route.getId();
            time = Timer.builder(NAMES.getName(route)).tags(NAMES.getTags(route))
                    .description("Route performance metrics").register(registry);
            Tags status = NAMES.getExchangeStatusTags(route);
            total = counter(registry, NAMES.getExchangesTotalName(route), status, "Total number of processed exchanges");
            succeeded = counter(registry, NAMES.getExchangesSucceededName(route), status,
                    "Number of successfully completed exchanges");
            failed = counter(registry, NAMES.getExchangesFailedName(route), status, "Number of failed exchanges");
            failuresHandled = counter(registry, NAMES.getFailuresHandledName(route), status, "Number of failures handled");
            externalRedeliveries = counter(registry, NAMES.getExternalRedeliveriesName(route), status,
                    "Number of external initiated redeliveries (such as from JMS broker)");
        }

        private static Counter counter(MeterRegistry registry, String name, Tags tags, String description) {
            return Counter.builder(name).tags(tags).description(description).register(registry);
        }

        void remove(MeterRegistry registry) {
            for (Meter meter : List.of(time, total, succeeded, failed, failuresHandled, externalRedeliveries)) {
                registry.remove(meter);
            }
        }
    }
}
