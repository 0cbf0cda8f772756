package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.TemporaryDirectories;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A PostgreSQL of its own (embedded, on disk) that the test stops in the middle of the load and
 * starts again: the rows of requests answered meanwhile wait in the on-disk spool and reach the
 * database once it is back. Counted afterwards: one row per answered text, none lost, none doubled,
 * and a request retried with the same Idempotency-Key audited once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.hikari.connection-timeout=1000",
        "spring.datasource.hikari.validation-timeout=500",
        "modelapi.audit.spool-drain-interval=300ms",
        "modelapi.audit.flush-interval=50ms"})
class DurableAuditTest {

    static final Path DATA = TemporaryDirectories.make("audit-pg-");
    static final Path SPOOL = TemporaryDirectories.make("audit-spool-");
    static final int PORT = freePort();
    static EmbeddedPostgres postgres = start();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:postgresql://localhost:" + PORT + "/postgres");
        registry.add("spring.datasource.driver-class-name", () -> "org.postgresql.Driver");
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
        registry.add("modelapi.audit.spool-directory", SPOOL::toString);
    }

    @AfterAll
    static void stop() throws IOException {
        postgres.close();
    }

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditSpool spool;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void shouldLoseAndDoubleNoAuditRowWhileTheDatabaseIsDown() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> requestIds = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            send(clients, requestIds, run, "before", 20);

            postgres.close(); // the database goes away in the middle of the load
            send(clients, requestIds, run, "during", 20);
            // a client retries a request it got no answer to: same Idempotency-Key, new request id
            String key = "retry-" + run;
            assertThat(post("Subject: retried " + run, "retry-a-" + run, key).getStatusCode().value()).isEqualTo(200);
            assertThat(post("Subject: retried " + run, "retry-b-" + run, key).getStatusCode().value()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.pendingRows() > 0);

            postgres = start(); // back, with its data
            send(clients, requestIds, run, "after", 20);
        } finally {
            clients.shutdown();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> spool.pendingRows() == 0 && rowsOfRun(run) >= 61);
        List<Map<String, Object>> perRequest = jdbc.queryForList(
                "SELECT request_id, COUNT(*) AS n FROM prediction_audit WHERE request_id LIKE ? GROUP BY request_id",
                "%" + run + "%");
        assertThat(perRequest).allSatisfy(row -> assertThat(((Number) row.get("n")).intValue()).isEqualTo(1));
        List<String> audited = perRequest.stream().map(row -> (String) row.get("request_id")).toList();
        assertThat(audited).containsAll(requestIds);
        assertThat(rowsOfRun(run)).as("60 requests and one retried request").isEqualTo(61);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM prediction_audit WHERE idempotency_key = ?", Long.class,
                "retry-" + run)).isEqualTo(1);
        try (var files = Files.list(SPOOL)) {
            assertThat(files.filter(f -> f.toString().endsWith(".jsonl"))).isEmpty();
        }
    }

    private long rowsOfRun(String run) {
        try {
            Long rows = jdbc.queryForObject("SELECT COUNT(*) FROM prediction_audit WHERE request_id LIKE ?", Long.class,
                    "%" + run + "%");
            return rows == null ? 0 : rows;
        } catch (RuntimeException databaseStillDown) {
            return -1;
        }
    }

    private void send(ExecutorService clients, List<String> requestIds, String run, String phase, int count)
            throws Exception {
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String requestId = phase + "-" + i + "-" + run;
            String text = "Subject: " + phase + " " + i + " " + run;
            requestIds.add(requestId);
            calls.add(() -> post(text, requestId, null).getStatusCode().value());
        }
        for (Future<Integer> status : clients.invokeAll(calls)) {
            assertThat(status.get()).isEqualTo(200);
        }
    }

    private ResponseEntity<String> post(String text, String requestId, String idempotencyKey) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("X-Request-ID", requestId);
        if (idempotencyKey != null) {
            headers.set("Idempotency-Key", idempotencyKey);
        }
        return http.postForEntity("/api/v1/predict", new HttpEntity<>(json.writeValueAsString(Map.of("text", text)),
                headers), String.class);
    }

    private static EmbeddedPostgres start() {
        try {
            return EmbeddedPostgres.builder().setPort(PORT).setDataDirectory(DATA).setCleanDataDirectory(false).start();
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL did not start", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
