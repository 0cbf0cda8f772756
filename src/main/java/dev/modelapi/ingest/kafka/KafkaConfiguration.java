package dev.modelapi.ingest.kafka;

import dev.modelapi.ingest.RedeliveryPolicies;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Kafka channel's redelivery policy (routes/ingress-kafka.camel.yaml). */
@Configuration(proxyBeanMethods = false)
class KafkaConfiguration {

    /**
     * {@code kafkaRedelivery}: {@code modelapi.kafka.max-tries} tries, the first wait
     * {@code retry-delay}, doubling, at most a minute; the wait holds the consumer's thread, so the
     * partition keeps its order.
     */
    @Bean
    public RedeliveryPolicy kafkaRedelivery(KafkaProperties settings) {
        RedeliveryPolicy policy = RedeliveryPolicies.tries(settings.maxTries(), settings.retryDelay().toMillis());
        policy.setUseExponentialBackOff(true);
        policy.setBackOffMultiplier(2);
        policy.setMaximumRedeliveryDelay(RedeliveryPolicies.MAX_DELAY_MILLIS);
        return policy;
    }
}
