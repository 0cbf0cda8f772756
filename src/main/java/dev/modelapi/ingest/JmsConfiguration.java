package dev.modelapi.ingest;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Redelivery of the embedded broker: a rolled-back request comes back after
 * {@code modelapi.jms.redelivery-delay}, doubling up to a minute, so a model or database that is
 * down for a moment is not hammered. The route dead-letters a request after
 * {@code max-deliveries}; the broker's own dead-letter address is a backstop two tries later (for
 * a consumer that dies mid-message). An external broker ({@code BROKER_URL}) needs the same
 * address settings on its side.
 */
@Configuration(proxyBeanMethods = false)
class JmsConfiguration {

    @Bean
    ArtemisConfigurationCustomizer redelivery(JmsProperties settings) {
        return configuration -> configuration.addAddressSetting("#", new AddressSettings()
                .setRedeliveryDelay(settings.redeliveryDelay().toMillis())
                .setRedeliveryMultiplier(2.0)
                .setMaxRedeliveryDelay(60_000)
                .setMaxDeliveryAttempts(settings.maxDeliveries() + 2)
                .setDeadLetterAddress(SimpleString.of(settings.deadLetterQueue()))
                .setAutoCreateQueues(true)
                .setAutoCreateAddresses(true));
    }

    /**
     * The embedded broker's TCP acceptor ({@code modelapi.jms.acceptor}): without it only the
     * service's own JVM could reach the broker. Loopback by default.
     */
    @Bean
    ArtemisConfigurationCustomizer networkAcceptor(JmsProperties settings) {
        return configuration -> {
            if (settings.acceptor().enabled()) {
                try {
                    configuration.addAcceptorConfiguration("external", settings.acceptor().url());
                } catch (Exception e) {
                    throw new IllegalStateException("invalid modelapi.jms.acceptor: " + e.getMessage(), e);
                }
            }
        };
    }
}
