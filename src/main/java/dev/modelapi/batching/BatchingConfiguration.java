package dev.modelapi.batching;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The pending answers and the gauge of the batcher's queue. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SingleFlightProperties.class)
class BatchingConfiguration {

    @Bean
    PendingAnswers pendingAnswers(SingleFlightProperties singleFlight, BatchingProperties properties, MeterRegistry meters) {
        return new PendingAnswers(singleFlight.inFlightMaxEntries(), singleFlight.inFlightTimeout(),
                properties.requestTimeout(), meters);
    }

    @Bean
    Gauge batchQueueGauge(Batcher batcher, BatchingProperties properties, MeterRegistry meters) {
        return Gauge.builder("modelapi.batch.queue.size", batcher, Batcher::queued)
                .description("Texts waiting for a batch; bounded by modelapi.batching.queue-capacity ("
                        + properties.queueCapacity() + ")")
                .register(meters);
    }

    /** The queue's bound as a metric of its own, so an alert can say how full it is (docker/prometheus/alerts.yml). */
    @Bean
    Gauge batchQueueCapacityGauge(BatchingProperties properties, MeterRegistry meters) {
        return Gauge.builder("modelapi.batch.queue.capacity", properties, BatchingProperties::queueCapacity)
                .description("Texts the batcher's queue holds at most (modelapi.batching.queue-capacity)")
                .register(meters);
    }
}
