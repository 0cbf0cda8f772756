package dev.modelapi.ingest.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * The embedded broker's queue bounds ({@link JmsConfiguration#bound}) on a real Artemis with a
 * persistent journal: a queue nobody reads fills memory, then its pages on disk, then refuses the
 * next send with an error to the sender; what it took stays, and is counted by the queue's metric.
 */
class JmsQueueBoundsTest {

    static final String QUEUE = "test.bounded";
    /**
     * The in-VM acceptor's id, far above the ids Spring Boot numbers its embedded brokers by (from 0,
     * one per application context): a cached context's broker once held id 7, this broker's acceptor
     * failed to start, and the test's sends went to that unbounded broker instead.
     */
    static final String IN_VM = "vm://70707";

    @TempDir
    Path journal;

    EmbeddedActiveMQ broker;
    Connection connection;

    @BeforeEach
    void start() throws Exception {
        JmsProperties settings = settings(DataSize.ofKilobytes(16), DataSize.ofKilobytes(64));
        Configuration configuration = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalDirectory(Files.createDirectories(journal.resolve("journal")).toString())
                .setBindingsDirectory(Files.createDirectories(journal.resolve("bindings")).toString())
                .setPagingDirectory(Files.createDirectories(journal.resolve("paging")).toString())
                .setLargeMessagesDirectory(Files.createDirectories(journal.resolve("large")).toString())
                .addAcceptorConfiguration("in-vm", IN_VM);
        configuration.addAddressSetting("#", JmsConfiguration.bound(new AddressSettings(), settings)
                .setAutoCreateQueues(true).setAutoCreateAddresses(true));
        broker = new EmbeddedActiveMQ().setConfiguration(configuration).start();
        assertThat(broker.getActiveMQServer().getRemotingService().getAcceptor("in-vm").isStarted())
                .as("this test's broker took " + IN_VM).isTrue();
        connection = new ActiveMQConnectionFactory(IN_VM).createConnection();
        connection.start();
    }

    private static JmsProperties settings(DataSize queueMemory, DataSize queueDisk) {
        return new JmsProperties(true, "modelapi.requests", "", "modelapi.requests.DLQ", 3, 1, Duration.ofSeconds(1),
                new JmsProperties.Acceptor(false, "127.0.0.1", 61616, "", ""), queueMemory, queueDisk);
    }

    @AfterEach
    void stop() throws Exception {
        connection.close();
        broker.stop();
    }

    @Test
    void shouldRefuseABoundThatArtemisWouldReadAsNone() {
        for (DataSize size : new DataSize[] {DataSize.ofBytes(-1), DataSize.ofBytes(0)}) {
            assertThatThrownBy(() -> settings(DataSize.ofMegabytes(32), size))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queue-disk");
        }
    }

    @Test
    void shouldRefuseASendOnceMemoryAndDiskAreFullAndKeepWhatItTook() throws Exception {
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer producer = session.createProducer(session.createQueue(QUEUE));
        String body = "x".repeat(1024);
        int sent = 0;
        JMSException refused = null;
        while (sent < 1_000 && refused == null) {
            try {
                producer.send(session.createTextMessage(body + sent));
                sent++;
            } catch (JMSException e) {
                refused = e;
            }
        }

        // 16 KB in memory and 64 KB on disk hold some tens of 1 KB messages, far from a thousand
        assertThat(refused).as("a send past both bounds fails at its sender").isNotNull();
        assertThat(sent).isBetween(16, 200);
        assertThat(JmsConfiguration.messages(broker, QUEUE)).isEqualTo(sent);

        // nothing it took was dropped: every message comes back, in order
        MessageConsumer consumer = session.createConsumer(session.createQueue(QUEUE));
        for (int i = 0; i < sent; i++) {
            assertThat(((TextMessage) consumer.receive(5_000)).getText()).isEqualTo(body + i);
        }
        // the client's acknowledgements reach the broker asynchronously
        await().atMost(Duration.ofSeconds(10)).until(() -> JmsConfiguration.messages(broker, QUEUE) == 0);
        assertThat(JmsConfiguration.messages(broker, "no.such.queue")).isZero();
        // and the queue takes messages again (no consumer left to take it; the count follows the
        // journal's paging asynchronously)
        consumer.close();
        producer.send(session.createTextMessage("again"));
        await().atMost(Duration.ofSeconds(10)).until(() -> JmsConfiguration.messages(broker, QUEUE) == 1);
    }
}
