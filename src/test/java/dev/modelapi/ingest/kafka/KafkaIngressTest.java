package dev.modelapi.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.testsupport.FaultInjection;
import dev.modelapi.testsupport.RealServices;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Kafka ingress against an embedded Kafka broker (KRaft, from spring-kafka-test), the real
 * demo models and a real PostgreSQL audit: answers keyed like their requests, a bad request
 * answered with its error and passed, a failing request retried and its offset committed only
 * once its answer is out, and the dead-letter topic when the tries run out.
 */
@SpringBootTest(properties = {
        "spring.main.allow-bean-definition-overriding=true",
        "modelapi.kafka.enabled=true",
        "modelapi.kafka.max-tries=3",
        "modelapi.kafka.retry-delay=300ms"})
@RealServices
@Import({FaultInjection.Config.class, KafkaIngressTest.Spans.class})
class KafkaIngressTest {

    @TestConfiguration
    static class Spans {
        @Bean
        InMemorySpanExporter spanExporter() {
            return InMemorySpanExporter.create();
        }
    }

    static final String REQUESTS = "modelapi.requests";
    static final String RESULTS = "modelapi.results";
    static final String DEAD_LETTERS = "modelapi.requests.DLT";
    static final EmbeddedKafkaKraftBroker KAFKA = start();

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("modelapi.kafka.bootstrap-servers", KAFKA::getBrokersAsString);
    }

    @AfterAll
    static void stop() {
        KAFKA.destroy();
    }

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Autowired
    FaultInjection models;

    @Autowired
    InMemorySpanExporter spans;

    KafkaProducer<String, String> producer;
    KafkaConsumer<String, String> results;

    @BeforeEach
    void clients() {
        Map<String, Object> producing = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer = new KafkaProducer<>(producing);
        Map<String, Object> consuming = new HashMap<>();
        consuming.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.getBrokersAsString());
        consuming.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        consuming.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consuming.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consuming.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        results = new KafkaConsumer<>(consuming);
        results.subscribe(List.of(RESULTS, DEAD_LETTERS));
    }

    @AfterEach
    void close() {
        models.healAll();
        producer.close();
        results.close();
    }

    @Test
    void shouldAnswerEachRequestOnTheResultTopicWithItsKey() throws Exception {
        String run = UUID.randomUUID().toString();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            keys.add("mail-" + i + "-" + run);
            producer.send(new ProducerRecord<>(REQUESTS, keys.get(i),
                    json.writeValueAsString(Map.of("text", "Subject: message " + i + " " + run)))).get();
        }

        Map<String, JsonNode> answers = collect(RESULTS, keys.size(), run);

        assertThat(answers.keySet()).containsExactlyInAnyOrderElementsOf(keys);
        for (JsonNode answer : answers.values()) {
            assertThat(answer.get("label").asText()).isIn("ham", "spam");
            assertThat(answer.get("requestId").asText()).startsWith("kafka:" + REQUESTS + ":");
        }
        String requestId = answers.get(keys.get(0)).get("requestId").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestId) == 1);
        assertThat(audit.findByRequestId(requestId).get(0).channel()).isEqualTo("kafka");
    }

    @Test
    void shouldDeadLetterABadRequestAtOnceAnswerItsErrorAndGoOn() throws Exception {
        String run = UUID.randomUUID().toString();
        producer.send(new ProducerRecord<>(REQUESTS, "bad-" + run, "not json " + run)).get();
        producer.send(new ProducerRecord<>(REQUESTS, "good-" + run,
                json.writeValueAsString(Map.of("text", "Subject: after the bad one " + run)))).get();

        List<ConsumerRecord<String, String>> out = collectRecords(3, run);

        Map<String, JsonNode> answers = new HashMap<>();
        for (ConsumerRecord<String, String> record : out) {
            if (record.topic().equals(RESULTS)) {
                answers.put(record.key(), json.readTree(record.value()));
            } else {
                assertThat(record.key()).isEqualTo("bad-" + run);
                assertThat(record.value()).isEqualTo("not json " + run);
                assertThat(new String(record.headers().lastHeader(KafkaExchanges.ERROR_CODE).value(),
                        StandardCharsets.UTF_8)).isEqualTo("malformed_json");
                // a bad request is given up at once, never redelivered
                assertThat(new String(record.headers().lastHeader(KafkaExchanges.TRIES).value(),
                        StandardCharsets.UTF_8)).isEqualTo("1");
            }
        }
        assertThat(answers.get("bad-" + run).at("/error/code").asText()).isEqualTo("malformed_json");
        assertThat(answers.get("good-" + run).get("label").asText()).isIn("ham", "spam");
    }

    @Test
    void shouldRetryAFailingRequestAndCommitItsOffsetOnlyOnceItIsAnswered() throws Exception {
        List.of("spam-distilbert", "spam-roberta", "spam-deberta")
                .forEach(m -> models.faults.put(m, FaultInjection.Fault.THROW));
        String run = UUID.randomUUID().toString();
        int callsBefore = models.calls("spam-roberta");
        RecordMetadata sent = producer.send(new ProducerRecord<>(REQUESTS, "retry-" + run,
                json.writeValueAsString(Map.of("text", "Subject: retried " + run)))).get();
        TopicPartition partition = new TopicPartition(REQUESTS, sent.partition());

        await().atMost(Duration.ofSeconds(20)).until(() -> models.calls("spam-roberta") > callsBefore);
        // failed once, not answered: the group's offset has not passed the record
        assertThat(committed(partition)).isLessThanOrEqualTo(sent.offset());
        models.faults.clear();

        Map<String, JsonNode> answers = collect(RESULTS, 1, run);

        assertThat(answers.get("retry-" + run).get("label").asText()).isIn("ham", "spam");
        await().atMost(Duration.ofSeconds(10)).until(() -> committed(partition) > sent.offset());
    }

    @Test
    void shouldContinueTheTraceOfARecordsTraceparentHeader() throws Exception {
        String run = UUID.randomUUID().toString();
        String traceId = run.replace("-", "");
        ProducerRecord<String, String> record = new ProducerRecord<>(REQUESTS, "traced-" + run,
                json.writeValueAsString(Map.of("text", "Subject: traced " + run)));
        record.headers().add("traceparent", ("00-" + traceId + "-" + traceId.substring(16) + "-01")
                .getBytes(StandardCharsets.UTF_8));

        producer.send(record).get();

        collect(RESULTS, 1, run);
        await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .anyMatch(s -> s.getTraceId().equals(traceId) && s.getName().equals("predict")));
        assertThat(spans.getFinishedSpanItems()).anySatisfy(s -> {
            assertThat(s.getTraceId()).isEqualTo(traceId);
            assertThat(s.getParentSpanId()).isEqualTo(traceId.substring(16));
        });
    }

    @Test
    void shouldGiveUpAfterTheLastTryToTheDeadLetterTopic() throws Exception {
        List.of("spam-distilbert", "spam-roberta", "spam-deberta")
                .forEach(m -> models.faults.put(m, FaultInjection.Fault.THROW));
        String run = UUID.randomUUID().toString();
        int callsBefore = models.calls("spam-roberta");
        String body = json.writeValueAsString(Map.of("text", "Subject: doomed " + run));

        producer.send(new ProducerRecord<>(REQUESTS, "doomed-" + run, body)).get();

        List<ConsumerRecord<String, String>> out = collectRecords(2, run);
        ConsumerRecord<String, String> dead = out.stream().filter(r -> r.topic().equals(DEAD_LETTERS)).findFirst()
                .orElseThrow();
        assertThat(dead.key()).isEqualTo("doomed-" + run);
        assertThat(dead.value()).isEqualTo(body);
        assertThat(new String(dead.headers().lastHeader(KafkaExchanges.ERROR_CODE).value(), StandardCharsets.UTF_8))
                .isEqualTo("quorum_not_met");
        // redelivered by Camel until modelapi.kafka.max-tries (3) tries were spent
        assertThat(new String(dead.headers().lastHeader(KafkaExchanges.TRIES).value(), StandardCharsets.UTF_8))
                .isEqualTo("3");
        ConsumerRecord<String, String> answer = out.stream().filter(r -> r.topic().equals(RESULTS)).findFirst()
                .orElseThrow();
        assertThat(json.readTree(answer.value()).at("/error/code").asText()).isEqualTo("quorum_not_met");
        // each try ran the pipeline from the record again, with new tasks: one model call per try
        assertThat(models.calls("spam-roberta") - callsBefore).isEqualTo(3);
    }

    private long committed(TopicPartition partition) throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.getBrokersAsString());
        try (AdminClient admin = AdminClient.create(config)) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets("model-api-service")
                    .partitionsToOffsetAndMetadata().get().get(partition);
            return offset == null ? -1 : offset.offset();
        }
    }

    /** Records of this run (key ends with the run id) on the result or dead-letter topic. */
    private List<ConsumerRecord<String, String>> collectRecords(int count, String run) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (found.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : results.poll(Duration.ofMillis(500))) {
                if (record.key() != null && record.key().endsWith(run)) {
                    found.add(record);
                }
            }
        }
        assertThat(found).hasSize(count);
        return found;
    }

    private Map<String, JsonNode> collect(String topic, int count, String run) throws Exception {
        Map<String, JsonNode> answers = new HashMap<>();
        for (ConsumerRecord<String, String> record : collectRecords(count, run)) {
            assertThat(record.topic()).isEqualTo(topic);
            answers.put(record.key(), json.readTree(record.value()));
        }
        return answers;
    }

    private static EmbeddedKafkaKraftBroker start() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 2, REQUESTS, RESULTS, DEAD_LETTERS);
        broker.afterPropertiesSet();
        return broker;
    }
}
