package dev.modelapi.ingest.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.audit.AuditRecord;
import dev.modelapi.testsupport.FaultInjection;
import dev.modelapi.testsupport.RealServices;
import dev.modelapi.testsupport.TemporaryDirectories;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.activemq.artemis.jms.client.ActiveMQQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The JMS ingress against the embedded Artemis broker with a persistent journal, the real demo
 * models, and a real PostgreSQL for the audit: request-reply, the reply queue, a poison message,
 * redelivery after a failure, and the dead letter once the tries run out.
 */
@SpringBootTest(properties = {
        "spring.main.allow-bean-definition-overriding=true",
        "spring.artemis.embedded.persistent=true",
        "modelapi.jms.reply-queue=test.replies",
        "modelapi.jms.max-deliveries=3",
        "modelapi.jms.redelivery-delay=500ms"})
@RealServices
@Import(FaultInjection.Config.class)
class JmsIngressTest {

    static final List<String> MODELS = List.of("spam-distilbert", "spam-roberta", "spam-deberta");

    @DynamicPropertySource
    static void journalOfItsOwn(DynamicPropertyRegistry registry) throws IOException {
        Path journal = TemporaryDirectories.make("artemis-");
        registry.add("spring.artemis.embedded.data-directory", journal::toString);
    }

    @Autowired
    ConnectionFactory connections;

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Autowired
    FaultInjection models;

    @Autowired
    MeterRegistry meters;

    JmsTemplate jms;

    @BeforeEach
    void client() {
        jms = new JmsTemplate(connections);
        jms.setReceiveTimeout(30_000);
    }

    @AfterEach
    void heal() {
        models.healAll();
    }

    @Test
    void shouldAnswerToJmsReplyToWithTheCorrelationIdAfterTheAuditIsWritten() throws Exception {
        Queue replies = new ActiveMQQueue("test.client." + UUID.randomUUID());
        String requestId = "jms-" + UUID.randomUUID();

        jms.send("modelapi.requests", session -> {
            TextMessage request = session.createTextMessage(
                    "{\"text\": \"Subject: WIN a FREE cruise!!! Click here to claim your prize now\"}");
            request.setJMSReplyTo(replies);
            request.setJMSCorrelationID("corr-" + requestId);
            request.setStringProperty("requestId", requestId);
            return request;
        });
        Message reply = jms.receive(replies);

        assertThat(reply).isNotNull();
        assertThat(reply.getJMSCorrelationID()).isEqualTo("corr-" + requestId);
        JsonNode answer = json.readTree(((TextMessage) reply).getText());
        assertThat(answer.get("requestId").asText()).isEqualTo(requestId);
        assertThat(answer.get("label").asText()).isIn("ham", "spam");
        assertThat(answer.get("models")).hasSize(3);
        // written before the message was acknowledged and the answer sent: no waiting here
        List<AuditRecord> rows = audit.findByRequestId(requestId);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).channel()).isEqualTo("jms");
        assertThat(rows.get(0).label()).isEqualTo(answer.get("label").asText());
    }

    @Test
    void shouldAnswerEveryTextOfABatchRequest() throws Exception {
        Queue replies = new ActiveMQQueue("test.client." + UUID.randomUUID());

        jms.send("modelapi.requests", session -> {
            TextMessage request = session.createTextMessage("{\"texts\": [\"Subject: lunch?\\n\\nAt noon.\", "
                    + "\"Subject: $$$ cheap pills $$$\"], \"ensemble\": \"spam-default\"}");
            request.setJMSReplyTo(replies);
            return request;
        });
        JsonNode answer = json.readTree(((TextMessage) jms.receive(replies)).getText());

        assertThat(answer.get("results")).hasSize(2);
        assertThat(answer.at("/results/1/index").asInt()).isEqualTo(1);
        assertThat(answer.at("/results/0/ensemble/name").asText()).isEqualTo("spam-default");
        assertThat(answer.get("requestId").asText()).startsWith("ID:");
    }

    @Test
    void shouldSendTheAnswerOfAFireAndForgetRequestToTheReplyQueue() throws Exception {
        String body = json.writeValueAsString(java.util.Map.of("text", "Subject: minutes of the meeting " + UUID.randomUUID()));
        TextMessage[] sent = new TextMessage[1];

        jms.send("modelapi.requests", session -> {
            sent[0] = session.createTextMessage(body);
            return sent[0];
        });
        String messageId = sent[0].getJMSMessageID();
        Message reply = jms.receiveSelected("test.replies", "JMSCorrelationID = '" + messageId + "'");

        assertThat(reply).isNotNull();
        assertThat(json.readTree(((TextMessage) reply).getText()).get("requestId").asText()).isEqualTo(messageId);
    }

    @Test
    void shouldDeadLetterAPoisonMessageAtOnceWithTheReasonAndAnswerTheError() throws Exception {
        Queue replies = new ActiveMQQueue("test.client." + UUID.randomUUID());
        String requestId = "poison-" + UUID.randomUUID();

        jms.send("modelapi.requests", session -> {
            TextMessage request = session.createTextMessage("this is not json " + requestId);
            request.setJMSReplyTo(replies);
            request.setStringProperty("requestId", requestId);
            return request;
        });

        JsonNode error = json.readTree(((TextMessage) jms.receive(replies)).getText()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("malformed_json");
        assertThat(error.get("requestId").asText()).isEqualTo(requestId);
        // the dead-letter queue's depth is a metric (every queue of the embedded broker has one)
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.get("modelapi.jms.queue.messages")
                .tag("queue", "modelapi.requests.DLQ").gauge().value() >= 1);
        Message dead = jms.receiveSelected("modelapi.requests.DLQ", "requestId = '" + requestId + "'");
        assertThat(dead).isNotNull();
        assertThat(((TextMessage) dead).getText()).isEqualTo("this is not json " + requestId);
        assertThat(dead.getStringProperty(JmsExchanges.ERROR_CODE)).isEqualTo("malformed_json");
        assertThat(dead.getStringProperty(JmsExchanges.ERROR_MESSAGE)).contains("not valid JSON");
        assertThat(dead.getIntProperty(JmsExchanges.DELIVERIES)).isEqualTo(1);
    }

    @Test
    void shouldAcknowledgeAMessageSentAgainWithItsIdempotencyKeyWithoutASecondAnswer() throws Exception {
        Queue replies = new ActiveMQQueue("test.client." + UUID.randomUUID());
        String key = "once-" + UUID.randomUUID();
        send(replies, "first-" + key, key);
        JsonNode answer = json.readTree(((TextMessage) jms.receive(replies)).getText());
        assertThat(answer.get("requestId").asText()).isEqualTo("first-" + key);

        // sent again once answered (a sender's retry; two sends at the same moment may both be answered)
        send(replies, "again-" + key, key);

        jms.setReceiveTimeout(2_000);
        // neither a second answer nor the request echoed back to the JMSReplyTo
        assertThat(jms.receive(replies)).as("one answer only").isNull();
        assertThat(audit.findByRequestId("first-" + key)).hasSize(1);
        assertThat(audit.findByRequestId("again-" + key)).isEmpty();
    }


    private void send(Queue replies, String requestId, String idempotencyKey) {
        jms.send("modelapi.requests", session -> {
            TextMessage request = session.createTextMessage("{\"text\": \"Subject: sent twice " + idempotencyKey + "\"}");
            request.setJMSReplyTo(replies);
            request.setStringProperty("requestId", requestId);
            request.setStringProperty(JmsExchanges.IDEMPOTENCY_KEY, idempotencyKey);
            return request;
        });
    }

    @Test
    void shouldRedeliverARequestThatFailedAndAnswerItOnceTheModelsAreBack() throws Exception {
        MODELS.forEach(m -> models.faults.put(m, FaultInjection.Fault.THROW));
        int callsBefore = models.calls("spam-roberta");
        Queue replies = new ActiveMQQueue("test.client." + UUID.randomUUID());
        String requestId = "redelivered-" + UUID.randomUUID();

        jms.send("modelapi.requests", session -> {
            TextMessage request = session.createTextMessage("{\"text\": \"Subject: invoice attached " + requestId + "\"}");
            request.setJMSReplyTo(replies);
            request.setStringProperty("requestId", requestId);
            return request;
        });
        // the first try fails (no model answers: quorum_not_met) and is rolled back, not answered
        await().atMost(Duration.ofSeconds(20)).until(() -> models.calls("spam-roberta") > callsBefore);
        models.faults.clear();

        Message reply = jms.receive(replies);
        JsonNode answer = json.readTree(((TextMessage) reply).getText());
        assertThat(answer.has("error")).as(answer.toString()).isFalse();
        assertThat(answer.get("requestId").asText()).isEqualTo(requestId);
        assertThat(audit.findByRequestId(requestId)).hasSize(1);
        jms.setReceiveTimeout(1_500);
        assertThat(jms.receive(replies)).as("one answer only").isNull();
        assertThat(jms.receiveSelected("modelapi.requests.DLQ", "requestId = '" + requestId + "'")).isNull();
    }

    @Test
    void shouldDeadLetterARequestOnceItsTriesRunOut() throws Exception {
        MODELS.forEach(m -> models.faults.put(m, FaultInjection.Fault.THROW));
        Queue replies = new ActiveMQQueue("test.client." + UUID.randomUUID());
        String requestId = "exhausted-" + UUID.randomUUID();

        jms.send("modelapi.requests", session -> {
            TextMessage request = session.createTextMessage("{\"text\": \"Subject: hello " + requestId + "\"}");
            request.setJMSReplyTo(replies);
            request.setStringProperty("requestId", requestId);
            return request;
        });

        JsonNode error = json.readTree(((TextMessage) jms.receive(replies)).getText()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("quorum_not_met");
        Message dead = jms.receiveSelected("modelapi.requests.DLQ", "requestId = '" + requestId + "'");
        assertThat(dead).isNotNull();
        assertThat(dead.getStringProperty(JmsExchanges.ERROR_CODE)).isEqualTo("quorum_not_met");
        assertThat(dead.getIntProperty(JmsExchanges.DELIVERIES)).isEqualTo(3);
        assertThat(audit.findByRequestId(requestId)).isEmpty();
    }

    /** A message whose time to live runs out on the broker is kept in the expiry queue, not dropped. */
    @Test
    void shouldKeepAMessageThatExpiredInTheExpiryQueue() throws Exception {
        String queue = "test.expiring." + UUID.randomUUID();
        String requestId = "expired-" + UUID.randomUUID();
        JmsTemplate shortLived = new JmsTemplate(connections);
        shortLived.setExplicitQosEnabled(true);
        shortLived.setTimeToLive(1);
        shortLived.send(queue, session -> {
            TextMessage request = session.createTextMessage("{\"text\": \"Subject: too late\"}");
            request.setStringProperty("requestId", requestId);
            return request;
        });
        JmsTemplate impatient = new JmsTemplate(connections);
        impatient.setReceiveTimeout(200);

        // the broker expires the message when it would deliver it
        assertThat(impatient.receive(queue)).isNull();
        Message expired = jms.receiveSelected(JmsConfiguration.EXPIRY_QUEUE, "requestId = '" + requestId + "'");

        assertThat(expired).isNotNull();
        assertThat(((TextMessage) expired).getText()).contains("too late");
    }
}
