package dev.modelapi.ingest.jms;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.PageFullMessagePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
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
 * took it goes to Spring Boot's {@code ExpiryQueue}, not nowhere. Every address is bounded in
 * memory and on disk ({@link #bound}). An external broker ({@code BROKER_URL}) needs the same
 * address settings on its side.
 */
@Configuration(proxyBeanMethods = false)
class JmsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(JmsConfiguration.class);

    /** The expiry queue Spring Boot's embedded broker creates (and names in its own address settings). */
    static final String EXPIRY_QUEUE = "ExpiryQueue";

    /** Every address of the embedded broker: bounded ({@link #bound}), redelivered with back-off, then dead-lettered. */
    @Bean
    ArtemisConfigurationCustomizer addressSettings(JmsProperties settings) {
        return configuration -> configuration.addAddressSetting("#", bound(new AddressSettings(), settings)
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
     * Every address of the embedded broker is bounded: {@code modelapi.jms.queue-memory} of
     * messages in memory, then paged to the journal's directory up to {@code queue-disk}, then a
     * send is refused with an error to its sender (never dropped). Artemis's own default pages
     * without limit once half the heap is used.
     */
    static AddressSettings bound(AddressSettings address, JmsProperties settings) {
        long disk = settings.queueDisk().toBytes();
        return address.setMaxSizeBytes(settings.queueMemory().toBytes())
                .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE)
                // Artemis counts the disk limit in whole pages: at least ten pages to the limit
                .setPageSizeBytes((int) Math.max(1024, Math.min(10L << 20, disk / 10)))
                .setPageLimitBytes(disk)
                .setPageFullMessagePolicy(PageFullMessagePolicy.FAIL);
    }

    /**
     * {@code modelapi.jms.queue.messages{queue}}: messages in the embedded broker's request queue,
     * dead-letter queue and expiry queue (0 until the queue exists). Not registered with an external
     * broker, which reports its own.
     */
    @Bean
    MeterBinder brokerQueueMeters(ListableBeanFactory beans, JmsProperties settings) {
        ObjectProvider<EmbeddedActiveMQ> broker = beans.getBeanProvider(EmbeddedActiveMQ.class);
        return meters -> {
            // looked up by type without making the broker: it starts in its own turn
            if (beans.getBeanNamesForType(EmbeddedActiveMQ.class, false, false).length == 0) {
                return;
            }
            for (String queue : List.of(settings.requestQueue(), settings.deadLetterQueue(), EXPIRY_QUEUE)) {
                Gauge.builder("modelapi.jms.queue.messages", broker, b -> messages(b.getIfAvailable(), queue))
                        .description("Messages in a queue of the embedded broker, in memory and paged")
                        .tag("queue", queue)
                        .register(meters);
            }
        };
    }

    static long messages(EmbeddedActiveMQ broker, String queue) {
        if (broker == null || broker.getActiveMQServer() == null) {
            return 0;
        }
        Queue found = broker.getActiveMQServer().locateQueue(queue);
        return found == null ? 0 : found.getMessageCount();
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
