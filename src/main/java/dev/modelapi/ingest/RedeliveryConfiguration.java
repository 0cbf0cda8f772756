package dev.modelapi.ingest;

import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The redelivery policies the error clauses of the ingress routes name ({@code redeliveryPolicyRef}),
 * made from the channels' settings: a request whose answer failed for a reason that may pass is
 * tried again until its tries are spent. A Camel placeholder cannot subtract one from a setting
 * (tries, not redeliveries), hence beans and not attributes in YAML.
 */
@Configuration(proxyBeanMethods = false)
class RedeliveryConfiguration {

    static final long MAX_DELAY_MILLIS = 60_000;

    /**
     * {@code kafkaRedelivery} (routes/ingress-kafka.camel.yaml): {@code modelapi.kafka.max-tries}
     * tries, the first wait {@code retry-delay}, doubling, at most a minute; the wait holds the
     * consumer's thread, so the partition keeps its order.
     */
    @Bean
    RedeliveryPolicy kafkaRedelivery(KafkaProperties settings) {
        RedeliveryPolicy policy = policy(settings.maxTries(), settings.retryDelay().toMillis());
        policy.setUseExponentialBackOff(true);
        policy.setBackOffMultiplier(2);
        policy.setMaximumRedeliveryDelay(MAX_DELAY_MILLIS);
        return policy;
    }

    /**
     * {@code folderRedelivery} (routes/ingress-folder.camel.yaml): {@code modelapi.folder.tries}
     * tries of a record, {@code retry-delay} apart. The wait is scheduled, not slept: a chunk's
     * records wait together without holding {@code folder-pool}'s threads.
     */
    @Bean
    RedeliveryPolicy folderRedelivery(FolderProperties settings) {
        RedeliveryPolicy policy = policy(settings.tries(), settings.retryDelay().toMillis());
        policy.setAsyncDelayedRedelivery(true);
        return policy;
    }

    /** {@code tries} in all, {@code delayMillis} before the first retry; a warning per retry, no stack until given up. */
    private static RedeliveryPolicy policy(int tries, long delayMillis) {
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setMaximumRedeliveries(tries - 1);
        policy.setRedeliveryDelay(delayMillis);
        policy.setRetryAttemptedLogLevel(LoggingLevel.WARN);
        policy.setLogRetryStackTrace(false);
        policy.setLogStackTrace(false);
        return policy;
    }
}
