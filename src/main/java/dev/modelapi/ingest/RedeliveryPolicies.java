package dev.modelapi.ingest;

import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;

/**
 * The redelivery policies the error clauses of the ingress routes name ({@code redeliveryPolicyRef}:
 * {@code kafkaRedelivery}, {@code folderRedelivery}), made by each channel's configuration from its
 * settings: a request whose answer failed for a reason that may pass is tried again until its tries
 * are spent. A Camel placeholder cannot subtract one from a setting (tries, not redeliveries), hence
 * beans and not attributes in YAML.
 */
public final class RedeliveryPolicies {

    /** The longest wait between two tries. */
    public static final long MAX_DELAY_MILLIS = 60_000;

    private RedeliveryPolicies() {
    }

    /** {@code tries} in all, {@code delayMillis} before the first retry; a warning per retry, no stack until given up. */
    public static RedeliveryPolicy tries(int tries, long delayMillis) {
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setMaximumRedeliveries(tries - 1);
        policy.setRedeliveryDelay(delayMillis);
        policy.setRetryAttemptedLogLevel(LoggingLevel.WARN);
        policy.setLogRetryStackTrace(false);
        policy.setLogStackTrace(false);
        return policy;
    }
}
