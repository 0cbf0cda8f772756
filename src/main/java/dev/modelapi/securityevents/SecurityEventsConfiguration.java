package dev.modelapi.securityevents;

import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.seda.SedaEndpoint;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The recorder of security events and its sink: the bounded queue {@code seda:security-events},
 * which routes/audit.camel.yaml drains into the audit database in batches (spooling while it is down).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityEventsProperties.class)
class SecurityEventsConfiguration {

    @Bean
    SecurityEvents securityEvents(SecurityEventsProperties settings, MeterRegistry meters, CamelContext camel,
            ObjectProvider<ProducerTemplate> producers) {
        QueueSink sink = new QueueSink(camel, producers, settings.queueCapacity());
        Gauge.builder("modelapi.security.events.queue.size", sink, QueueSink::queued)
                .description("Security events waiting for the audit database's writer; bounded by modelapi.security.events.queue-capacity")
                .register(meters);
        Gauge.builder("modelapi.security.events.queue.capacity", settings, SecurityEventsProperties::queueCapacity)
                .description("Security events the queue holds at most (modelapi.security.events.queue-capacity)")
                .register(meters);
        return new SecurityEvents(sink, settings, meters, Clock.systemUTC(), Ticker.systemTicker());
    }

    /** Offers an event to the queue; a full queue (or a Camel not yet started) throws, and the event is dropped. */
    static final class QueueSink implements Consumer<SecurityEvent> {

        private final CamelContext camel;
        private final ObjectProvider<ProducerTemplate> producers;
        private final String uri;
        private volatile SedaEndpoint endpoint;

        QueueSink(CamelContext camel, ObjectProvider<ProducerTemplate> producers, int capacity) {
            this.camel = camel;
            this.producers = producers;
            // the same size as the consuming route's, or seda refuses the second endpoint on one queue
            this.uri = "seda:security-events?size=" + capacity;
        }

        @Override
        public void accept(SecurityEvent event) {
            producers.getObject().sendBody(endpoint(), event);
        }

        int queued() {
            SedaEndpoint queue = endpoint;
            return queue == null ? 0 : queue.getCurrentQueueSize();
        }

        private SedaEndpoint endpoint() {
            SedaEndpoint queue = endpoint;
            if (queue == null) {
                queue = camel.getEndpoint(uri, SedaEndpoint.class);
                endpoint = queue;
            }
            return queue;
        }
    }
}
