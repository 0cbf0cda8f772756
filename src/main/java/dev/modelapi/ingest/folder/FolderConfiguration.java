package dev.modelapi.ingest.folder;

import dev.modelapi.ingest.RedeliveryPolicies;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The watched folder's redelivery policy (routes/ingress-folder.camel.yaml). */
@Configuration(proxyBeanMethods = false)
class FolderConfiguration {

    /**
     * {@code folderRedelivery}: {@code modelapi.folder.tries} tries of a record, {@code retry-delay}
     * apart. The wait is scheduled, not slept: a chunk's records wait together without holding
     * {@code folder-pool}'s threads.
     */
    @Bean
    public RedeliveryPolicy folderRedelivery(FolderProperties settings) {
        RedeliveryPolicy policy = RedeliveryPolicies.tries(settings.tries(), settings.retryDelay().toMillis());
        policy.setAsyncDelayedRedelivery(true);
        return policy;
    }
}
