package dev.modelapi.batching;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
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

    /**
     * The batch aggregator's timeout checker and the step before it (routes/batching.camel.yaml):
     * once for each text that may wait, as its batch may be due; every max-delay while such texts
     * come and for a second (or twice max-delay) after the last; then every
     * timeout-checker-idle-interval until the next.
     */
    @Bean
    BatchTimeoutChecker batchTimeoutChecker(BatchingProperties properties, MeterRegistry meters) {
        Duration keepAwake = properties.maxDelay().multipliedBy(2);
        if (keepAwake.compareTo(Duration.ofSeconds(1)) < 0) {
            keepAwake = Duration.ofSeconds(1);
        }
        BatchTimeoutChecker checker = new BatchTimeoutChecker(properties.maxDelay(), keepAwake,
                properties.timeoutCheckerIdleInterval());
        FunctionCounter.builder("modelapi.batch.timeout.checks", checker, BatchTimeoutChecker::runs)
                .description("Times the batcher looked for batches past max-delay: one per text that may wait "
                        + "for others (texts within timeout-checker-interval share one) and one per max-delay while "
                        + "such texts come, one per timeout-checker-idle-interval otherwise")
                .register(meters);
        return checker;
    }

    /** The queue's bound as a metric of its own, so an alert can say how full it is (docker/prometheus/alerts.yml). */
    @Bean
    Gauge batchQueueCapacityGauge(BatchingProperties properties, MeterRegistry meters) {
        return Gauge.builder("modelapi.batch.queue.capacity", properties, BatchingProperties::queueCapacity)
                .description("Texts the batcher's queue holds at most (modelapi.batching.queue-capacity)")
                .register(meters);
    }
}
