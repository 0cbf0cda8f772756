package dev.modelapi.ingest;

import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The redelivery policy the folder ingress's error clauses name ({@code redeliveryPolicyRef:
 * folderRedelivery} in routes/ingress-folder.camel.yaml), made from {@code modelapi.folder.tries}
 * and {@code retry-delay}: a record whose answer failed for a reason that may pass is tried again
 * after the delay until its tries are spent. The wait is scheduled, not slept: a chunk's records
 * wait together without holding {@code folder-pool}'s threads.
 */
@Configuration(proxyBeanMethods = false)
class FolderConfiguration {

    @Bean
    RedeliveryPolicy folderRedelivery(FolderProperties settings) {
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setMaximumRedeliveries(settings.tries() - 1);
        policy.setRedeliveryDelay(settings.retryDelay().toMillis());
        policy.setAsyncDelayedRedelivery(true);
        policy.setRetryAttemptedLogLevel(LoggingLevel.WARN);
        policy.setLogRetryStackTrace(false);
        policy.setLogStackTrace(false);
        return policy;
    }
}
