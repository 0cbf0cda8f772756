package dev.modelapi.ingest;

import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The redelivery policy the Kafka ingress's error clauses name ({@code redeliveryPolicyRef:
 * kafkaRedelivery} in routes/ingress-kafka.camel.yaml), made from {@code modelapi.kafka.max-tries}
 * and {@code retry-delay}: a record whose answer failed for a reason that may pass is tried again
 * after the delay, doubling, at most a minute, until its tries are spent. A Camel placeholder cannot
 * subtract one from a setting, hence a bean and not attributes in YAML.
 */
@Configuration(proxyBeanMethods = false)
class KafkaConfiguration {

    static final long MAX_DELAY_MILLIS = 60_000;

    @Bean
    RedeliveryPolicy kafkaRedelivery(KafkaProperties settings) {
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setMaximumRedeliveries(settings.maxTries() - 1);
        policy.setRedeliveryDelay(settings.retryDelay().toMillis());
        policy.setUseExponentialBackOff(true);
        policy.setBackOffMultiplier(2);
        policy.setMaximumRedeliveryDelay(MAX_DELAY_MILLIS);
        // one warning per retry, naming the exchange and the exception; no stack until given up
        policy.setRetryAttemptedLogLevel(LoggingLevel.WARN);
        policy.setLogRetryStackTrace(false);
        policy.setLogStackTrace(false);
        return policy;
    }
}
