package dev.modelapi.ingest.jms;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Redelivery of the embedded broker: a rolled-back request comes back after
 * {@code modelapi.jms.redelivery-delay}, doubling up to a minute, so a model or database that is
 * down for a moment is not hammered. The route dead-letters a request after
 * {@code max-deliveries}; the broker's own dead-letter address is a backstop two tries later (for
 * a consumer that dies mid-message). A message whose time to live ran out before a consumer
 * took it goes to Spring Boot's {@code ExpiryQueue}, not nowhere. An external broker
 * ({@code BROKER_URL}) needs the same address settings on its side.
 */
@Configuration(proxyBeanMethods = false)
class JmsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(JmsConfiguration.class);

    /** The expiry queue Spring Boot's embedded broker creates (and names in its own address settings). */
    static final String EXPIRY_QUEUE = "ExpiryQueue";

    @Bean
    ArtemisConfigurationCustomizer redelivery(JmsProperties settings) {
        return configuration -> configuration.addAddressSetting("#", new AddressSettings()
                .setRedeliveryDelay(settings.redeliveryDelay().toMillis())
                .setRedeliveryMultiplier(2.0)
                .setMaxRedeliveryDelay(60_000)
                .setMaxDeliveryAttempts(settings.maxDeliveries() + 2)
                .setDeadLetterAddress(SimpleString.of(settings.deadLetterQueue()))
                .setExpiryAddress(SimpleString.of(EXPIRY_QUEUE))
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
            JmsProperties.Acceptor acceptor = settings.acceptor();
            if (acceptor.enabled()) {
                try {
                    configuration.addAcceptorConfiguration("external", acceptor.url());
                } catch (Exception e) {
                    throw new IllegalStateException("invalid modelapi.jms.acceptor: " + e.getMessage(), e);
                }
                configuration.setSecurityEnabled(acceptor.hasLogin());
                if (acceptor.hasLogin()) {
                    // Artemis caches a login by user and password: a client with neither would get
                    // the subject of the service's own in-VM connection, which has neither too
                    configuration.setAuthenticationCacheSize(0);
                    configuration.setAuthorizationCacheSize(0);
                }
                if (!acceptor.hasLogin() && !isLoopback(acceptor.host())) {
                    log.warn("The broker's acceptor listens on {} and asks no login: anyone who reaches that address"
                            + " can send requests; set BROKER_ACCEPTOR_USER and BROKER_ACCEPTOR_PASSWORD", acceptor.host());
                }
            }
        };
    }

    /**
     * With a login set ({@code modelapi.jms.acceptor.user}), the embedded broker checks every
     * connection but the service's own in-VM one ({@link BrokerAcceptorSecurity}); set on the
     * broker before Spring Boot starts it.
     */
    @Bean
    static BeanPostProcessor acceptorLogin(ObjectProvider<JmsProperties> settings) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof EmbeddedActiveMQ broker) {
                    JmsProperties.Acceptor acceptor = settings.getObject().acceptor();
                    if (acceptor.enabled() && acceptor.hasLogin()) {
                        broker.setSecurityManager(new BrokerAcceptorSecurity(acceptor.user(), acceptor.password()));
                        log.info("The broker's acceptor on {}:{} asks its clients to log in as {}", acceptor.host(),
                                acceptor.port(), acceptor.user());
                    }
                }
                return bean;
            }
        };
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }
}
