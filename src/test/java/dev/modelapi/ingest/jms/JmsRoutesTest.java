package dev.modelapi.ingest.jms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.testsupport.RouteFiles;
import dev.modelapi.testsupport.StubPipeline;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * routes/ingress-jms.camel.yaml on its own, in a second: the queue consumer replaced by
 * {@code direct:jms-in}, the dead-letter and reply-queue producers by mocks, the audit by a
 * counter (woven mocks take the place of those steps, and of their ids), the pipeline stubbed (it fails its first N runs with quorum_not_met); the real
 * jmsExchanges, error clauses and idempotent consumer. A message's try is its JMSXDeliveryCount.
 */
class JmsRoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    RouteFiles routes;
    final StubPipeline pipeline = new StubPipeline();
    final AtomicInteger audited = new AtomicInteger();
    MockEndpoint replies;
    MockEndpoint deadLetters;

    @BeforeEach
    void load() throws Exception {
        Failures failures = new Failures();
        JmsProperties settings = new JmsProperties(true, "modelapi.requests", "modelapi.replies", "modelapi.requests.DLQ",
                3, 1, Duration.ofSeconds(1), new JmsProperties.Acceptor(false, "127.0.0.1", 61616, "", ""),
                DataSize.ofMegabytes(32), DataSize.ofGigabytes(1));
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "jmsExchanges", new JmsExchanges(JSON, new Answers(JSON), failures, settings),
                        "predictRequests", new StubPipeline.Requests(),
                        "jmsDeliveries", MemoryIdempotentRepository.memoryIdempotentRepository(100)),
                Map.of("modelapi.jms.enabled", "true",
                        "modelapi.jms.request-queue", settings.requestQueue(),
                        "modelapi.jms.reply-queue", settings.replyQueue(),
                        "modelapi.jms.dead-letter-queue", settings.deadLetterQueue(),
                        "modelapi.jms.concurrent-consumers", "1"),
                "ingress-jms.camel.yaml")
                .with(pipeline)
                .with(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:audit-answered").routeId("stub-audit").process(e -> audited.incrementAndGet());
                    }
                });
        AdviceWith.adviceWith(routes.camel(), "jms-predict", a -> a.replaceFromWith("direct:jms-in"));
        AdviceWith.adviceWith(routes.camel(), "jms-failed",
                a -> a.weaveById("jms-dead-letter").replace().to("mock:dead-letter"));
        AdviceWith.adviceWith(routes.camel(), "jms-reply-queue",
                a -> a.weaveById("jms-reply-send").replace().to("mock:replies"));
        routes.start();
        replies = routes.camel().getEndpoint("mock:replies", MockEndpoint.class);
        deadLetters = routes.camel().getEndpoint("mock:dead-letter", MockEndpoint.class);
    }

    @AfterEach
    void close() {
        routes.close();
    }

    @Test
    void shouldAnswerToTheReplyQueueAfterTheAuditCorrelatedByMessageId() throws Exception {
        replies.expectedMessageCount(1);

        Exchange done = deliver("ID:1", "{\"text\": \"win money\"}", 1, Map.of());

        replies.assertIsSatisfied(2_000);
        assertThat(RouteFiles.steps(done)).containsSubsequence("jms-accept", "jms-once", "jms-read-request",
                "jms-pipeline", "jms-audit", "jms-answer", "jms-reply", "jms-to-reply-queue");
        Exchange reply = replies.getExchanges().get(0);
        assertThat(reply.getIn().getHeader("JMSCorrelationID")).isEqualTo("ID:1");
        assertThat(JSON.readTree(reply.getIn().getBody(String.class)).get("label").asText()).isEqualTo("spam");
        assertThat(audited).hasValue(1);
        assertThat(done.isRollbackOnly()).isFalse();
    }

    @Test
    void shouldAnswerAndAuditARedeliveredMessageOnce() throws Exception {
        deliver("ID:2", "{\"text\": \"win money\"}", 1, Map.of());

        Exchange again = deliver("ID:2", "{\"text\": \"win money\"}", 2, Map.of());

        assertThat(RouteFiles.steps(again)).contains("jms-duplicate", "jms-skip-duplicate").doesNotContain("jms-pipeline");
        assertThat(pipeline.calls).hasValue(1);
        assertThat(audited).hasValue(1);
        assertThat(replies.getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void shouldKeyByTheSendersIdempotencyKeyOverTheMessageId() throws Exception {
        String key = "order-" + UUID.randomUUID();
        deliver("ID:3", "{\"text\": \"win money\"}", 1, Map.of(JmsExchanges.IDEMPOTENCY_KEY, key));

        Exchange resent = deliver("ID:4", "{\"text\": \"win money\"}", 1, Map.of(JmsExchanges.IDEMPOTENCY_KEY, key));

        assertThat(RouteFiles.steps(resent)).contains("jms-skip-duplicate");
        assertThat(pipeline.calls).hasValue(1);
    }

    @Test
    void shouldDeadLetterABadRequestAtOnceWithItsReasonAndAnswerTheError() throws Exception {
        deadLetters.expectedMessageCount(1);
        replies.expectedMessageCount(1);

        Exchange done = deliver("ID:5", "{\"txt\": \"win money\"}", 1, Map.of());

        deadLetters.assertIsSatisfied(2_000);
        replies.assertIsSatisfied(2_000);
        assertThat(RouteFiles.steps(done)).contains("jms-invalid-request", "jms-failure", "jms-give-up",
                "jms-error-answer").doesNotContain("jms-pipeline");
        Exchange letter = deadLetters.getExchanges().get(0);
        assertThat(letter.getIn().getBody(String.class)).isEqualTo("{\"txt\": \"win money\"}");
        assertThat(letter.getIn().getHeader(JmsExchanges.ERROR_CODE)).isEqualTo("missing_text");
        JsonNode error = JSON.readTree(replies.getExchanges().get(0).getIn().getBody(String.class)).get("error");
        assertThat(error.get("code").asText()).isEqualTo("missing_text");
        assertThat(done.isRollbackOnly()).isFalse();
    }

    @Test
    void shouldRollBackAFailureThatMayPassWhileTriesAreLeftThenDeadLetterIt() throws Exception {
        pipeline.failFirst.set(3);

        Exchange first = deliver("ID:6", "{\"text\": \"win money\"}", 1, Map.of());
        Exchange last = deliver("ID:6", "{\"text\": \"win money\"}", 3, Map.of());

        assertThat(RouteFiles.steps(first)).contains("jms-quorum", "jms-failure").doesNotContain("jms-error-answer");
        assertThat(first.isRollbackOnly()).as("rolled back for the broker to redeliver").isTrue();
        assertThat(RouteFiles.steps(last)).contains("jms-quorum", "jms-error-answer");
        assertThat(last.isRollbackOnly()).isFalse();
        assertThat(deadLetters.getReceivedCounter()).isEqualTo(1);
        assertThat(deadLetters.getExchanges().get(0).getIn().getHeader(JmsExchanges.DELIVERIES)).isEqualTo(3);
        assertThat(audited).hasValue(0);
    }

    private Exchange deliver(String messageId, String body, int delivery, Map<String, Object> properties) {
        return routes.camel().createProducerTemplate().send("direct:jms-in", e -> {
            Map<String, Object> headers = new HashMap<>(properties);
            headers.put("JMSMessageID", messageId);
            headers.put("JMSXDeliveryCount", delivery);
            e.getIn().setHeaders(headers);
            e.getIn().setBody(body);
        });
    }
}
