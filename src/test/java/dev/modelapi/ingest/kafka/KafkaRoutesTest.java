package dev.modelapi.ingest.kafka;

import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.RouteFiles;
import dev.modelapi.testsupport.StubPipeline;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * routes/ingress-kafka.camel.yaml on its own, in a second: the consumer replaced by
 * {@code direct:kafka-in}, the producers by mocks, the pipeline stubbed (it fails the first N
 * tries with quorum_not_met); the real step beans, redelivery policy and idempotent consumer.
 */
class KafkaRoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    RouteFiles routes;
    final StubPipeline pipeline = new StubPipeline();
    final AtomicInteger failFirst = pipeline.failFirst;
    final AtomicInteger pipelineCalls = pipeline.calls;
    final AtomicInteger commits = new AtomicInteger();
    MockEndpoint results;
    MockEndpoint deadLetters;

    @BeforeEach
    void load() throws Exception {
        Answers answers = new Answers(JSON);
        Failures failures = new Failures();
        KafkaProperties settings = new KafkaProperties(true, "localhost:9", "modelapi.requests", "modelapi.results",
                "modelapi.requests.DLT", "test", 3, Duration.ofMillis(10));
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "kafkaExchanges", new KafkaExchanges(JSON, answers, failures),
                        "predictRequests", new StubPipeline.Requests(),
                        "kafkaRedelivery", new KafkaConfiguration().kafkaRedelivery(settings),
                        "kafkaDeliveries", MemoryIdempotentRepository.memoryIdempotentRepository(100)),
                Map.of("modelapi.kafka.enabled", "true",
                        "modelapi.kafka.bootstrap-servers", settings.bootstrapServers(),
                        "modelapi.kafka.request-topic", settings.requestTopic(),
                        "modelapi.kafka.result-topic", settings.resultTopic(),
                        "modelapi.kafka.dead-letter-topic", settings.deadLetterTopic(),
                        "modelapi.kafka.group-id", settings.groupId()),
                "ingress-kafka.camel.yaml")
                .with(pipeline);
        AdviceWith.adviceWith(routes.camel(), "kafka-predict", a -> {
            a.replaceFromWith("direct:kafka-in");
            a.mockEndpointsAndSkip("kafka:*");
        });
        AdviceWith.adviceWith(routes.camel(), "kafka-give-up", a -> a.mockEndpointsAndSkip("kafka:*"));
        routes.start();
        results = routes.camel().getEndpoint("mock:kafka:modelapi.results", MockEndpoint.class);
        deadLetters = routes.camel().getEndpoint("mock:kafka:modelapi.requests.DLT", MockEndpoint.class);
    }

    @AfterEach
    void close() {
        routes.close();
    }

    @Test
    void shouldAnswerWithTheRequestsKeyAndThenCommit() throws Exception {
        Exchange done = send("{\"text\": \"Subject: hello\"}", 7, null);

        assertThat(results.getReceivedCounter()).isEqualTo(1);
        Exchange answer = results.getReceivedExchanges().get(0);
        assertThat(JSON.readTree(answer.getIn().getBody(String.class)).get("label").asText()).isEqualTo("spam");
        assertThat(answer.getIn().getHeader(KafkaConstants.KEY)).isEqualTo("key-7");
        assertThat(commits.get()).isEqualTo(1);
        assertThat(RouteFiles.steps(done)).containsSubsequence("kafka-accept", "kafka-once", "kafka-request", "kafka-read-request",
                "kafka-answer-json", "kafka-reply", "kafka-commit");
    }

    @Test
    void shouldRedeliverFromTheRecordUntilTheModelsAnswer() throws Exception {
        failFirst.set(2);

        send("{\"text\": \"Subject: tried again\"}", 8, null);

        assertThat(pipelineCalls.get()).isEqualTo(3);
        assertThat(results.getReceivedCounter()).isEqualTo(1);
        assertThat(deadLetters.getReceivedCounter()).isZero();
        assertThat(commits.get()).isEqualTo(1);
    }

    @Test
    void shouldGiveUpAfterTheLastTryToTheDeadLetterTopic() throws Exception {
        failFirst.set(100);
        String body = "{\"text\": \"Subject: doomed\"}";

        send(body, 9, null);

        assertThat(pipelineCalls.get()).isEqualTo(3);
        Exchange dead = deadLetters.getReceivedExchanges().get(0);
        assertThat(dead.getIn().getBody(String.class)).isEqualTo(body);
        assertThat(dead.getIn().getHeader(KafkaExchanges.ERROR_CODE)).isEqualTo("quorum_not_met");
        assertThat(dead.getIn().getHeader(KafkaExchanges.TRIES)).isEqualTo("3");
        assertThat(JSON.readTree(results.getReceivedExchanges().get(0).getIn().getBody(String.class))
                .at("/error/code").asText()).isEqualTo("quorum_not_met");
        assertThat(commits.get()).isEqualTo(1);
    }

    @Test
    void shouldGiveUpABadRequestAtOnce() throws Exception {
        Exchange done = send("{\"texts\": 3}", 10, null);

        assertThat(pipelineCalls.get()).isZero();
        assertThat(RouteFiles.steps(done)).contains("kafka-invalid-request", "kafka-invalid-request-give-up");
        assertThat(deadLetters.getReceivedExchanges().get(0).getIn().getHeader(KafkaExchanges.TRIES)).isEqualTo("1");
        assertThat(commits.get()).isEqualTo(1);
    }

    @Test
    void shouldCommitARecordSentAgainWithItsIdempotencyKeyWithoutASecondAnswer() throws Exception {
        send("{\"text\": \"Subject: once\"}", 11, "k-1");
        Exchange again = send("{\"text\": \"Subject: once\"}", 12, "k-1");

        assertThat(results.getReceivedCounter()).isEqualTo(1);
        assertThat(pipelineCalls.get()).isEqualTo(1);
        assertThat(commits.get()).isEqualTo(2);
        assertThat(again.getProperty(Exchange.DUPLICATE_MESSAGE, Boolean.class)).isTrue();
    }

    @Test
    void shouldTellARecordReplayedFromANewRecordAtAReusedOffset() throws Exception {
        send("{\"text\": \"Subject: first life\"}", 20, null, 1_000L);
        Exchange replayed = send("{\"text\": \"Subject: first life\"}", 20, null, 1_000L);
        // the topic recreated: offset 20 again, another record
        send("{\"text\": \"Subject: second life\"}", 20, null, 2_000L);

        assertThat(replayed.getProperty(Exchange.DUPLICATE_MESSAGE, Boolean.class)).isTrue();
        assertThat(results.getReceivedCounter()).isEqualTo(2);
        assertThat(commits.get()).isEqualTo(3);
    }

    private Exchange send(String body, long offset, String idempotencyKey) {
        return send(body, offset, idempotencyKey, null);
    }

    private Exchange send(String body, long offset, String idempotencyKey, Long timestamp) {
        Exchange done = routes.camel().createProducerTemplate().send("direct:kafka-in", e -> {
            e.getIn().setHeader(KafkaConstants.TIMESTAMP, timestamp);
            e.getIn().setBody(body);
            e.getIn().setHeader(KafkaConstants.TOPIC, "modelapi.requests");
            e.getIn().setHeader(KafkaConstants.PARTITION, 0);
            e.getIn().setHeader(KafkaConstants.OFFSET, offset);
            e.getIn().setHeader(KafkaConstants.KEY, "key-" + offset);
            e.getIn().setHeader(KafkaConstants.MANUAL_COMMIT,
                    (org.apache.camel.component.kafka.consumer.KafkaManualCommit) commits::incrementAndGet);
            if (idempotencyKey != null) {
                e.getIn().setHeader("Idempotency-Key", idempotencyKey);
            }
        });
        assertThat(done.getException()).isNull();
        return done;
    }

}
