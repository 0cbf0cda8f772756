package dev.modelapi.ingest.jms;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The JMS ingress ({@code modelapi.jms.*}, routes/ingress-jms.camel.yaml). The broker is the
 * embedded Artemis unless {@code BROKER_URL} names another.
 *
 * @param enabled whether the request queue is consumed
 * @param requestQueue requests, JSON as over HTTP ({@code text} or {@code texts})
 * @param replyQueue where answers go when a request has no {@code JMSReplyTo}; blank: nowhere
 *        (fire-and-forget: the answer is only audited)
 * @param deadLetterQueue where a request goes that cannot be answered, with the reason in the
 *        {@code ModelApiErrorCode} and {@code ModelApiErrorMessage} properties
 * @param maxDeliveries tries of a request that fails for a reason that may pass (503, 504, 500)
 *        before it is dead-lettered; a bad request (4xx) is dead-lettered at once
 * @param concurrentConsumers requests taken from the queue at once
 * @param redeliveryDelay how long a rolled-back request waits before its next try (embedded
 *        broker; doubles each try, at most a minute)
 * @param acceptor the embedded broker's network acceptor, for clients outside the JVM
 * @param queueMemory per address of the embedded broker (the request queue, the dead letters, the
 *        expired messages, replies): messages held in memory; past it they are paged to disk
 * @param queueDisk per address of the embedded broker: messages paged to disk; past it a send is
 *        refused (the sender gets an error; nothing it sent before is dropped)
 */
@Validated
@ConfigurationProperties("modelapi.jms")
record JmsProperties(
        @DefaultValue("true") boolean enabled,
        @NotBlank @DefaultValue("modelapi.requests") String requestQueue,
        @NotNull @DefaultValue("") String replyQueue,
        @NotBlank @DefaultValue("modelapi.requests.DLQ") String deadLetterQueue,
        @Min(1) @DefaultValue("5") int maxDeliveries,
        @Positive @DefaultValue("8") int concurrentConsumers,
        @NotNull @DefaultValue("1s") Duration redeliveryDelay,
        @NotNull @DefaultValue @Valid Acceptor acceptor,
        @NotNull @DefaultValue("32MB") DataSize queueMemory,
        @NotNull @DefaultValue("1GB") DataSize queueDisk) {

    public JmsProperties {
        // Artemis reads a size of -1 as no limit at all, and 0 would refuse every message
        for (DataSize size : new DataSize[] {queueMemory, queueDisk}) {
            if (size != null && size.toBytes() <= 0) {
                throw new IllegalArgumentException("modelapi.jms.queue-memory and queue-disk must be positive sizes, not " + size);
            }
        }
    }

    /**
     * A TCP acceptor of the embedded broker (never of an external one), speaking CORE, AMQP and
     * STOMP on one port, so an application outside the service can send requests and read answers.
     *
     * @param enabled off: the broker is reachable only from inside the JVM
     * @param host the address it binds; loopback by default, so only this machine reaches it
     * @param port its port (Artemis's usual 61616)
     * @param user with {@code password}: the one login the acceptor takes (blank: none asked for)
     * @param password the login's password
     */
    public record Acceptor(
            @DefaultValue("true") boolean enabled,
            @NotBlank @DefaultValue("127.0.0.1") String host,
            @Min(1) @Max(65535) @DefaultValue("61616") int port,
            @NotNull @DefaultValue("") String user,
            @NotNull @DefaultValue("") String password) {

        public Acceptor {
            if (user.isBlank() != password.isEmpty()) {
                throw new IllegalArgumentException("modelapi.jms.acceptor.user and .password go together: set both"
                        + " (BROKER_ACCEPTOR_USER, BROKER_ACCEPTOR_PASSWORD) or neither");
            }
        }

        /** Whether clients must log in. */
        public boolean hasLogin() {
            return !user.isBlank();
        }

        /** The acceptor's URL as Artemis takes it. */
        public String url() {
            return "tcp://" + host + ":" + port + "?protocols=CORE,AMQP,STOMP";
        }
    }
}
