package dev.modelapi.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ModelApiApplication;
import dev.modelapi.testsupport.EmbeddedPostgresServer;
import dev.modelapi.testsupport.EmbeddedRedisServer;
import dev.modelapi.testsupport.TemporaryDirectories;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Scale-out on one machine: two instances of the service (two Spring contexts, two HTTP ports)
 * sharing one PostgreSQL, one Redis, one Artemis broker (a JMS queue) and one Kafka topic (a
 * consumer group). Every request is audited exactly once, both instances do work on every
 * channel, and an answer cached by one is a cache hit on the other.
 */
class ScaleOutTest {

    static final String REQUESTS = "modelapi.requests";
    static final String RESULTS = "modelapi.results";
    static EmbeddedKafkaKraftBroker kafka;
    static EmbeddedActiveMQ artemis;
    static String brokerUrl;
    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startEverything() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 4, REQUESTS, RESULTS, "modelapi.requests.DLT");
        kafka.afterPropertiesSet();
        int brokerPort = freePort();
        brokerUrl = "tcp://localhost:" + brokerPort;
        ConfigurationImpl config = new ConfigurationImpl();
        config.setPersistenceEnabled(false);
        config.setSecurityEnabled(false);
        config.addAcceptorConfiguration("tcp", brokerUrl);
        config.setJournalDirectory(TemporaryDirectories.make("artemis-").toString());
        artemis = new EmbeddedActiveMQ().setConfiguration(config);
        artemis.start();
        first = instance();
        second = instance();
        // both consumers in the group before any record is sent, so the partitions are shared
        await().atMost(Duration.ofSeconds(60)).until(() -> groupMembers() == 2);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
        artemis.stop();
        kafka.destroy();
    }

    private static ConfigurableApplicationContext instance() {
        Map<String, Object> properties = new java.util.LinkedHashMap<>();
        properties.put("server.port", 0);
        properties.put("spring.datasource.url", EmbeddedPostgresServer.shared().jdbcUrl());
        properties.put("spring.datasource.driver-class-name", "org.postgresql.Driver");
        properties.put("spring.datasource.username", EmbeddedPostgresServer.USER);
        properties.put("spring.datasource.password", "");
        properties.put("spring.data.redis.url", EmbeddedRedisServer.shared().url());
        properties.put("BROKER_URL", brokerUrl);
        properties.put("KAFKA_BOOTSTRAP_SERVERS", kafka.getBrokersAsString());
        properties.put("modelapi.jms.reply-queue", "scale.replies");
        properties.put("modelapi.jms.concurrent-consumers", 2);
        properties.put("modelapi.audit.spool-directory", TemporaryDirectories.make("spool-").toString());
        properties.put("management.health.redis.enabled", false);
        // the folder ingress runs on one instance of an inbox (docs/operations.md)
        properties.put("modelapi.folder.enabled", false);
        // as command-line arguments: above application.yaml (builder properties would be below it)
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(ModelApiApplication.class).run(arguments);
    }

    @Test
    void shouldShareTheWorkAuditEachRequestOnceAndShareTheCache() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);

        // HTTP: requests alternate between the instances
        List<String> httpIds = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "scale-http-" + i + "-" + run;
            httpIds.add(id);
            JsonNode answer = predict(i % 2 == 0 ? first : second, "Subject: http " + i + " " + run, id);
            assertThat(answer.get("requestId").asText()).isEqualTo(id);
        }

        // the cache: answered by the first instance, a hit on the second
        String shared = "Subject: cached across instances " + run;
        assertThat(predict(first, shared, "scale-cache-a-" + run).get("cached").asBoolean()).isFalse();
        assertThat(predict(second, shared, "scale-cache-b-" + run).get("cached").asBoolean())
                .as("answered by the other instance, found in the shared Redis").isTrue();

        // JMS: one queue, both instances consume it
        JmsTemplate jms = new JmsTemplate(new ActiveMQConnectionFactory(brokerUrl));
        List<String> jmsIds = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String id = "scale-jms-" + i + "-" + run;
            String body = JSON.writeValueAsString(Map.of("text", "Subject: jms " + i + " " + run));
            jmsIds.add(id);
            jms.send(REQUESTS, session -> {
                TextMessage message = session.createTextMessage(body);
                message.setStringProperty("requestId", id);
                return message;
            });
        }
        jms.setReceiveTimeout(30_000);
        Set<String> jmsAnswered = new HashSet<>();
        for (int i = 0; i < jmsIds.size(); i++) {
            TextMessage reply = (TextMessage) jms.receiveSelected("scale.replies", "requestId LIKE '%" + run + "'");
            assertThat(reply).as("JMS answer " + i).isNotNull();
            jmsAnswered.add(JSON.readTree(reply.getText()).get("requestId").asText());
        }
        assertThat(jmsAnswered).containsExactlyInAnyOrderElementsOf(jmsIds);

        // Kafka: one topic of four partitions, one consumer group
        Set<String> kafkaIds = new HashSet<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(REQUESTS, "key-" + i + "-" + run,
                        JSON.writeValueAsString(Map.of("text", "Subject: kafka " + i + " " + run)))).get();
            }
        }
        try (KafkaConsumer<String, String> results = resultsConsumer()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (kafkaIds.size() < 30 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : results.poll(Duration.ofMillis(500))) {
                    if (record.key() != null && record.key().endsWith(run)) {
                        kafkaIds.add(JSON.readTree(record.value()).get("requestId").asText());
                    }
                }
            }
        }
        assertThat(kafkaIds).hasSize(30);

        // every request audited exactly once, in the one shared database
        JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
        List<String> all = new ArrayList<>(httpIds);
        all.addAll(jmsIds);
        all.addAll(kafkaIds);
        all.add("scale-cache-a-" + run);
        all.add("scale-cache-b-" + run);
        await().atMost(Duration.ofSeconds(20)).until(() -> auditRows(jdbc, all).size() == all.size());
        Map<String, Long> rows = auditRows(jdbc, all);
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(all);
        assertThat(rows.values()).as("one row per request").allSatisfy(n -> assertThat(n).isEqualTo(1L));

        // both instances did work on each channel
        for (String route : List.of("http-predict", "jms-predict", "kafka-predict")) {
            assertThat(exchanges(first, route)).as(route + " on the first instance").isPositive();
            assertThat(exchanges(second, route)).as(route + " on the second instance").isPositive();
        }
    }

    @Test
    void shouldAnswerEachKeyOnceWhicheverInstanceGetsItsRetry() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);

        // HTTP: the retry reaches the other instance and gets the first answer, kept in Redis
        String body = JSON.writeValueAsString(Map.of("text", "Subject: retried across instances " + run));
        HttpResponse<String> answer = post(first, body, "once-http-a-" + run, "http-" + run);
        HttpResponse<String> retried = post(second, body, "once-http-b-" + run, "http-" + run);
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(retried.body()).isEqualTo(answer.body());

        // Kafka: eight requests, then each sent again (other record keys, so other partitions and
        // often the other instance) with the same Idempotency-Key header
        double kafkaDuplicatesBefore = duplicates("kafka");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (String pass : List.of("once", "replay")) {
                for (int i = 0; i < 8; i++) {
                    ProducerRecord<String, String> record = new ProducerRecord<>(REQUESTS, pass + "-" + i + "-" + run,
                            JSON.writeValueAsString(Map.of("text", "Subject: kafka once " + i + " " + run)));
                    record.headers().add("Idempotency-Key", ("kafka-" + i + "-" + run).getBytes());
                    record.headers().add("requestId", ("kafka-" + pass + "-" + i + "-" + run).getBytes());
                    producer.send(record).get();
                }
                if (pass.equals("once")) {
                    assertThat(kafkaAnswers(run, 8)).hasSize(8); // answered before they are sent again
                }
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> duplicates("kafka") - kafkaDuplicatesBefore >= 8);
        assertThat(duplicates("kafka") - kafkaDuplicatesBefore).as("Kafka records turned away").isEqualTo(8.0);

        // JMS: the same with the IdempotencyKey property, both instances consuming the queue
        double jmsDuplicatesBefore = duplicates("jms");
        JmsTemplate jms = new JmsTemplate(new ActiveMQConnectionFactory(brokerUrl));
        jms.setReceiveTimeout(30_000);
        for (String pass : List.of("once", "replay")) {
            for (int i = 0; i < 10; i++) {
                String id = "jms-" + pass + "-" + i + "-" + run;
                String idempotencyKey = "jms-" + i + "-" + run;
                String message = JSON.writeValueAsString(Map.of("text", "Subject: jms once " + i + " " + run));
                jms.send(REQUESTS, session -> {
                    TextMessage text = session.createTextMessage(message);
                    text.setStringProperty("requestId", id);
                    text.setStringProperty("IdempotencyKey", idempotencyKey);
                    return text;
                });
            }
            if (pass.equals("once")) {
                for (int i = 0; i < 10; i++) {
                    assertThat(jms.receiveSelected("scale.replies", "requestId LIKE 'jms-once-%-" + run + "'"))
                            .as("JMS answer " + i).isNotNull();
                }
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> duplicates("jms") - jmsDuplicatesBefore >= 10);
        assertThat(duplicates("jms") - jmsDuplicatesBefore).as("JMS messages turned away").isEqualTo(10.0);
        jms.setReceiveTimeout(1_000);
        assertThat(jms.receiveSelected("scale.replies", "requestId LIKE 'jms-replay-%-" + run + "'"))
                .as("no second answer").isNull();

        // one audit row per request answered; none for a request sent again
        JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
        List<String> answered = new ArrayList<>(List.of("once-http-a-" + run));
        List<String> repeated = new ArrayList<>(List.of("once-http-b-" + run));
        for (int i = 0; i < 8; i++) {
            answered.add("kafka-once-" + i + "-" + run);
            repeated.add("kafka-replay-" + i + "-" + run);
        }
        for (int i = 0; i < 10; i++) {
            answered.add("jms-once-" + i + "-" + run);
            repeated.add("jms-replay-" + i + "-" + run);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> auditRows(jdbc, answered).size() == answered.size());
        assertThat(auditRows(jdbc, answered).values()).allSatisfy(n -> assertThat(n).isEqualTo(1L));
        assertThat(auditRows(jdbc, repeated)).isEmpty();
        assertThat(kafkaAnswers(run, 8)).as("no second Kafka answer").hasSize(8);
    }

    /** Turned-away duplicates on both instances, for one repository. */
    private static double duplicates(String repository) {
        return java.util.stream.Stream.of(first, second).mapToDouble(instance -> instance.getBean(MeterRegistry.class)
                .find("modelapi.idempotency.duplicates").tag("repository", repository).counters().stream()
                .mapToDouble(c -> c.count()).sum()).sum();
    }

    /** The request ids answered on the result topic for this run's idempotent records, after waiting for {@code count}. */
    private static Set<String> kafkaAnswers(String run, int count) throws Exception {
        Set<String> ids = new HashSet<>();
        try (KafkaConsumer<String, String> results = resultsConsumer()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<String> all = new ArrayList<>();
            while (all.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : results.poll(Duration.ofMillis(500))) {
                    if (record.key() != null && record.key().endsWith(run)) {
                        String id = JSON.readTree(record.value()).get("requestId").asText();
                        all.add(id);
                        ids.add(id);
                    }
                }
            }
            // a little longer: a second answer would show up here
            for (ConsumerRecord<String, String> record : results.poll(Duration.ofSeconds(2))) {
                if (record.key() != null && record.key().endsWith(run)) {
                    all.add(JSON.readTree(record.value()).get("requestId").asText());
                }
            }
            assertThat(all).as("answers on the result topic").hasSize(count);
        }
        return ids;
    }

    private static HttpResponse<String> post(ConfigurableApplicationContext instance, String body, String requestId,
            String idempotencyKey) throws Exception {
        int port = Integer.parseInt(instance.getEnvironment().getProperty("local.server.port"));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/api/v1/predict")).header("Content-Type", "application/json").header("X-Request-ID", requestId)
                .header("X-API-Key", "modelapi-dev-key").header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    /** Audit rows per request id, for the given ids. */
    private static Map<String, Long> auditRows(JdbcTemplate jdbc, List<String> requestIds) {
        Map<String, Long> rows = new java.util.HashMap<>();
        String marks = String.join(",", java.util.Collections.nCopies(requestIds.size(), "?"));
        jdbc.query("SELECT request_id, COUNT(*) AS n FROM prediction_audit WHERE request_id IN (" + marks
                + ") GROUP BY request_id", rs -> {
                    rows.put(rs.getString("request_id"), rs.getLong("n"));
                }, requestIds.toArray());
        return rows;
    }

    private static double exchanges(ConfigurableApplicationContext instance, String routeId) {
        return instance.getBean(MeterRegistry.class).find("camel.exchanges.total").tag("routeId", routeId)
                .counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static JsonNode predict(ConfigurableApplicationContext instance, String text, String requestId)
            throws Exception {
        int port = Integer.parseInt(instance.getEnvironment().getProperty("local.server.port"));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/api/v1/predict")).header("Content-Type", "application/json").header("X-Request-ID", requestId)
                .header("X-API-Key", "modelapi-dev-key")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("text", text)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static KafkaConsumer<String, String> resultsConsumer() {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "scale-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
        consumer.subscribe(List.of(RESULTS));
        return consumer;
    }

    private static int groupMembers() throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString());
        try (AdminClient admin = AdminClient.create(config)) {
            return admin.describeConsumerGroups(List.of("model-api-service")).all().get()
                    .get("model-api-service").members().size();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
