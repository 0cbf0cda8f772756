package dev.modelapi.batching;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The gauge of the batcher's queue. */
@Configuration(proxyBeanMethods = false)
class BatchingConfiguration {

    @Bean
    Gauge batchQueueGauge(Batcher batcher, BatchingProperties properties, MeterRegistry meters) {
        return Gauge.builder("modelapi.batch.queue.size", batcher, Batcher::queued)
                .description("Texts waiting for a batch; bounded by modelapi.batching.queue-capacity ("
                        + properties.queueCapacity() + ")")
                .register(meters);
    }
}
