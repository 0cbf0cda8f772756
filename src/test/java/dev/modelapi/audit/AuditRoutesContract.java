package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.model.IdleThreads;
import dev.modelapi.securityevents.SecurityEvent;
import dev.modelapi.testsupport.RouteFiles;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.direct.DirectComponent;
import org.apache.camel.component.sql.SqlEndpoint;
import org.apache.camel.processor.aggregate.GroupedBodyAggregationStrategy;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What routes/audit.camel.yaml promises on any database the service supports (each subclass runs
 * it on one): the file itself in a Camel context of its own, its camel-sql insert on the real
 * database, its spool on a folder of the test's, and a switch in front of the database that makes
 * it refuse connections. Databases are shared across tests, so every test writes under request ids
 * of its own.
 */
@SuppressWarnings("unchecked")
abstract class AuditRoutesContract {

    @Autowired
    DataSource database;

    @Autowired
    AuditQueries queries;

    @Autowired
    Flyway flyway;

    @Autowired
    MeterRegistry meters;
    AuditMetrics auditMetrics;

    @Autowired
    AuditRecords records;

    @Autowired
    AuditRetention retention;

    @Autowired
    AuditCipher cipher;

    @Autowired
    AuditProperties settings;

    @Autowired
    java.util.concurrent.ScheduledExecutorService auditHousekeeping;

    @TempDir
    Path spoolDirectory;

    final Switch down = new Switch();
    CircuitBreaker breaker;
    AuditSpool spool;
    AuditWriters writers;
    RouteFiles routes;
    private final RowMapStatements statements = new RowMapStatements();
    ProducerTemplate producer;

    @BeforeEach
    void start() throws Exception {
        startRoutes();
    }

    void startRoutes() throws Exception {
        auditMetrics = new AuditMetrics(meters);
        writers = new AuditWriters(new IdleThreads(false, false, 1, 0, meters), Set.of(), 100);
        breaker = AuditConfiguration.databaseBreaker(Duration.ofMillis(300), new SimpleMeterRegistry());
        spool = new AuditSpool(spoolDirectory, breaker, new ObjectMapper());
        routes = RouteFiles.of(Map.ofEntries(
                        Map.entry("dataSource", new SwitchedDataSource(database, down)),
                        Map.entry("auditRecords", records),
                        Map.entry("auditRowStatements", statements),
                        Map.entry("auditSpool", spool),
                        Map.entry("auditMetrics", auditMetrics),
                        Map.entry("auditOverflow", new AuditOverflow(auditMetrics, writers, 100, meters)),
                        Map.entry("auditDatabase", breaker),
                        Map.entry("auditRetention", retention),
                        Map.entry("bodiesAsList", new GroupedBodyAggregationStrategy()),
                        Map.entry("sameThread", new org.apache.camel.util.concurrent.SynchronousExecutorService()),
                        Map.entry("auditHousekeeping", auditHousekeeping),
                        Map.entry("auditedText", (org.apache.camel.Predicate) exchange -> true),
                        Map.entry("auditReports", new AuditReports(3, cipher)),
                        Map.entry("httpExchanges", new HttpStandIn()),
                        Map.entry("failures", new dev.modelapi.ingest.Failures())),
                Map.ofEntries(
                        Map.entry("modelapi.audit.queue-capacity", "100"),
                        Map.entry("modelapi.audit.batch-size", "100"),
                        Map.entry("modelapi.audit.flush-interval", "50ms"),
                        Map.entry("modelapi.audit.timeout-checker-interval", "10ms"),
                        Map.entry("modelapi.audit.enabled", "true"),
                        Map.entry("modelapi.audit.spool-directory", spoolDirectory.toString()),
                        Map.entry("modelapi.audit.spool-drain-interval", "100ms"),
                        Map.entry("modelapi.audit.retention-interval", "1h"),
                        Map.entry("modelapi.audit.in-memory-limit-interval", "1h"),
                        Map.entry("modelapi.security.events.queue-capacity", "100")),
                "audit.camel.yaml", "audit-api.camel.yaml");
        // the HTTP routes of audit-api.camel.yaml as direct: endpoints; the tests call the query routes
        routes.camel().addComponent("platform-http", new DirectComponent());
        routes.start();
        // as Spring Boot's Camel start-up hands the context to AuditWriters (no writer routes here)
        writers.beforeApplicationStart(routes.camel());
        producer = routes.camel().createProducerTemplate();
    }

    @AfterEach
    void stop() {
        if (routes != null) {
            routes.close();
        }
    }

    static AuditRecord row(String requestId, int itemIndex) {
        return new AuditRecord(requestId, itemIndex, Instant.now().truncatedTo(ChronoUnit.MICROS), "http", "alice",
                "spam-distilbert:1,spam-roberta:1", "a".repeat(64), 1234, "spam", 0.973, false, 8, 42L);
    }

    /** The names of a table's indexes and unique constraints, lower-case, from the driver's metadata. */
    static List<String> indexesOf(DataSource dataSource, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                var indexes = connection.getMetaData().getIndexInfo(null, null, table, false, false)) {
            while (indexes.next()) {
                String name = indexes.getString("INDEX_NAME");
                if (name != null && !names.contains(name.toLowerCase())) {
                    names.add(name.toLowerCase());
                }
            }
        }
        return names;
    }

    static String newRequestId() {
        return "test-" + UUID.randomUUID();
    }

    /** Rows straight into the table, for tests of what reads or prunes it. */
    static void insert(JdbcTemplate jdbc, List<AuditRecord> rows) {
        for (Map<String, Object> row : AuditRecords.columns(rows)) {
            jdbc.update("""
                    INSERT INTO prediction_audit (request_id, item_index, created_at, channel, principal, models,
                        input_sha256, input_length, label, score, cached, batch_size, latency_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", row.get("requestId"), row.get("itemIndex"),
                    row.get("createdAt"), row.get("channel"), row.get("principal"), row.get("models"),
                    row.get("inputSha256"), row.get("inputLength"), row.get("label"), row.get("score"),
                    row.get("cached"), row.get("batchSize"), row.get("latencyMs"));
        }
    }

    void store(List<?> rows) {
        producer.requestBody("direct:audit-store", rows);
    }

    AuditAnswers.Report report(Map<String, Object> filters) {
        return producer.requestBodyAndHeaders("direct:audit-report", null, filters, AuditAnswers.Report.class);
    }

    AuditAnswers.Events events(Map<String, Object> filters) {
        return producer.requestBodyAndHeaders("direct:audit-events", null, filters, AuditAnswers.Events.class);
    }

    String export(Map<String, Object> filters) {
        return producer.requestBodyAndHeaders("direct:audit-export", null, filters, String.class);
    }

    /** httpExchanges of the HTTP routes, which these tests do not call. */
    public static final class HttpStandIn {
        public void acceptRead() {
        }

        public void ok() {
        }

        public void okCsv() {
        }

        public void error() {
        }
    }

    private double counter(String name) {
        return meters.get(name).counter().count();
    }

    @Test
    void shouldCreateTheTableWithFlyway() {
        assertThat(flyway.info().current().getVersion().getVersion()).isEqualTo("6");
        assertThat(queries.countByRequestId(newRequestId())).isZero();
    }

    @Test
    void shouldReadBackEveryField() {
        String requestId = newRequestId();
        AuditRecord modelAnswer = row(requestId, 0);
        AuditRecord cachedAnswer = new AuditRecord(requestId, 1, Instant.parse("2025-06-01T12:34:56.789012Z"), "jms",
                "anonymous", "spam-distilbert:1", "0123456789abcdef".repeat(4), 7, "ham", 0.25, true, 0, 3L);
        AuditRecord degradedAnswer = new AuditRecord(requestId, 2, Instant.parse("2025-06-01T12:34:57Z"), "http",
                "alice", "spam-distilbert:1", "f".repeat(64), 9, "spam", 0.91, false, 4, 1_020L, true,
                "spam-roberta:1=timeout,spam-deberta:1=circuit_open");
        AuditRecord compliance = new AuditRecord(requestId, 3, Instant.parse("2025-06-01T12:34:58Z"), "kafka", "bob",
                "spam-distilbert:1", "e".repeat(64), 11, "ham", 0.6, false, 2, 5L, false, null, "key-" + requestId,
                "invisible,bidi_control", "email", "mail [EMAIL] now");

        store(List.of(modelAnswer, cachedAnswer, degradedAnswer, compliance));

        assertThat(queries.findByRequestId(requestId)).containsExactly(modelAnswer, cachedAnswer, degradedAnswer,
                compliance);
    }

    @Test
    void shouldBindBothInsertsRowsThroughTheRowMapStatements() {
        String requestId = newRequestId();

        store(List.of(row(requestId, 0), row(requestId, 1)));

        assertThat(queries.countByRequestId(requestId)).isEqualTo(2);
        assertThat(routes.camel().getEndpoints()).filteredOn(SqlEndpoint.class::isInstance).map(SqlEndpoint.class::cast)
                .filteredOn(endpoint -> endpoint.getQuery().startsWith("INSERT")).hasSize(2)
                .allSatisfy(insert -> assertThat(insert.getPrepareStatementStrategy()).isSameAs(statements));
    }

    @Test
    void shouldSendAnsweredRowsThroughTheQueueInBatches() {
        String requestId = newRequestId();
        for (int i = 0; i < 30; i++) {
            producer.sendBody("seda:audit", row(requestId, i));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> queries.countByRequestId(requestId) == 30);
        // the routes whose consumers are the audit's writers (modelapi.audit.writer-routes) are this file's
        assertThat(settings.writerRoutes()).containsExactly("audit-write")
                .allSatisfy(writer -> assertThat(routes.camel().getRoute(writer)).as(writer).isNotNull());
    }

    @Test
    void shouldWriteARowWithTheQueuesOldestOnItsOwnThreadWhenTheQueueIsFullInsteadOfDroppingIt() throws Exception {
        String requestId = newRequestId();
        double overflowedBefore = counter("modelapi.audit.rows.overflowed");
        double drainedBefore = counter("modelapi.audit.rows.drained");
        var queue = routes.camel().getEndpoint("seda:audit?size=100", org.apache.camel.component.seda.SedaEndpoint.class);
        // stopped, not suspended: a suspended seda consumer's poll already waiting (up to its 1 s
        // pollTimeout) still takes the next row sent, which CI once saw take row 0 off the queue before
        // the overflow; stopping waits for the consumer's thread to end
        routes.camel().getRouteController().stopRoute("audit-write");
        try {
            // the writer is away: its queue (capacity 100 here) fills up
            for (int i = 0; queue.getCurrentQueueSize() < 100; i++) {
                producer.sendBody("seda:audit", row(requestId, i));
            }
            for (int i = 0; i < 3; i++) {
                producer.sendBody("direct:audit", AuditRecordsTest.answered(requestId, 1_000 + i, "overflowing text " + i));
            }

            // the first found it full: its thread wrote it at once with the 99 oldest rows (batch-size
            // 100), none dropped, and the next two found room again
            assertThat(counter("modelapi.audit.rows.overflowed") - overflowedBefore).isEqualTo(1.0);
            assertThat(counter("modelapi.audit.rows.drained") - drainedBefore).isEqualTo(99.0);
            assertThat(queries.findByRequestId(requestId)).extracting(AuditRecord::itemIndex)
                    .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(
                            java.util.stream.IntStream.range(0, 99).boxed(), java.util.stream.Stream.of(1_000)).toList());
            assertThat(queue.getCurrentQueueSize()).isEqualTo(3);
            // the queue the rows were taken from is the one the writers' gauge reads
            assertThat(writers.queued()).isEqualTo(3);
        } finally {
            routes.camel().getRouteController().startRoute("audit-write");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> queries.countByRequestId(requestId) == 103);
        assertThat(queries.findByRequestId(requestId)).extracting(AuditRecord::itemIndex).contains(99, 1_001, 1_002);
    }

    @Test
    void shouldKeepOneRowWhenTheSameItemIsWrittenTwice() {
        String requestId = newRequestId();
        double writtenBefore = counter("modelapi.audit.rows.written");

        store(List.of(row(requestId, 0)));
        store(List.of(row(requestId, 0)));
        store(List.of(row(requestId, 0), row(requestId, 0)));

        assertThat(queries.countByRequestId(requestId)).isEqualTo(1);
        assertThat(counter("modelapi.audit.rows.written") - writtenBefore).isEqualTo(1);
    }

    @Test
    void shouldWriteABatchOf250Rows() {
        String requestId = newRequestId();
        List<AuditRecord> rows = IntStream.range(0, 250).mapToObj(i -> row(requestId, i)).toList();
        double writtenBefore = counter("modelapi.audit.rows.written");

        store(rows);

        assertThat(queries.countByRequestId(requestId)).isEqualTo(250);
        assertThat(queries.findByRequestId(requestId)).extracting(AuditRecord::itemIndex)
                .containsExactlyElementsOf(IntStream.range(0, 250).boxed().toList());
        assertThat(counter("modelapi.audit.rows.written") - writtenBefore).isEqualTo(250);
    }

    @Test
    void shouldReportCountsByLabelAndModel() {
        String requestId = newRequestId();
        String principal = "reporter-" + UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        store(List.of(
                new AuditRecord(requestId, 0, now, "http", principal, "spam-distilbert:1,spam-roberta:1", "a".repeat(64),
                        10, "spam", 0.9, false, 2, 40L),
                new AuditRecord(requestId, 1, now, "http", principal, "spam-roberta:1", "b".repeat(64), 12, "ham", 0.8,
                        true, 0, 2L)));

        AuditAnswers.Report report = report(Map.of("principal", principal));

        assertThat(report.texts()).isEqualTo(2L);
        assertThat(report.cacheHitRate()).isEqualTo(0.5);
        assertThat(report.byLabel()).isEqualTo(Map.of("ham", 1L, "spam", 1L));
        assertThat(report.byModel()).isEqualTo(Map.of("spam-distilbert", 1L, "spam-roberta", 2L));
        assertThat(report.byPrincipal()).isEqualTo(Map.of(principal, 2L));
    }

    @Test
    void shouldFilterPageAndExportEventsWithTheSqlQueries() {
        String requestId = newRequestId();
        String principal = "pager-" + UUID.randomUUID();
        Instant start = Instant.parse("2030-03-01T10:00:00Z");
        List<AuditRecord> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(new AuditRecord(requestId, i, start.plusSeconds(i), i % 2 == 0 ? "http" : "kafka", principal,
                    i < 3 ? "spam-distilbert:1,spam-roberta:2" : "spam-roberta-large:1", "c".repeat(64), 20 + i,
                    i == 4 ? "ham" : "spam", 0.7, false, 1, 10L * i, false, null, null, i == 1 ? "invisible,bidi_control"
                            : null, null, null));
        }
        store(rows);
        Map<String, Object> window = Map.of("from", "2030-03-01", "to", "2030-03-02", "principal", principal);

        AuditAnswers.Events all = events(with(window, "size", "2"));
        assertThat(all.total()).isEqualTo(5L);
        assertThat(all.size()).isEqualTo(2);
        assertThat(all.events()).extracting(AuditAnswers.Event::itemIndex).containsExactly(4, 3);
        assertThat(all.events().get(0).createdAt()).isEqualTo("2030-03-01T10:00:04Z");
        assertThat(all.events().get(0).flags()).isNull();
        AuditAnswers.Events secondPage = events(with(with(window, "size", "2"), "page", "1"));
        assertThat(secondPage.events()).extracting(AuditAnswers.Event::itemIndex).containsExactly(2, 1);
        assertThat(secondPage.events().get(1).flags()).isEqualTo("invisible,bidi_control");
        // a whole model name: spam-roberta is not spam-roberta-large
        assertThat(events(with(window, "model", "spam-roberta")).total()).isEqualTo(3L);
        assertThat(events(with(window, "flag", "bidi_control")).total()).isEqualTo(1L);
        assertThat(events(with(window, "channel", "kafka")).total()).isEqualTo(2L);
        assertThat(events(with(window, "label", "ham")).total()).isEqualTo(1L);
        assertThat(events(Map.of("from", "2030-03-02", "to", "2030-03-03", "principal", principal)).total())
                .isEqualTo(0L);

        String csv = export(window);
        assertThat(csv.lines()).hasSize(4); // the header and at most export-max-rows (3 here), oldest first
        assertThat(csv.lines().findFirst().orElseThrow()).startsWith("created_at,request_id,item_index");
        assertThat(csv.lines().skip(1).findFirst().orElseThrow()).startsWith("2030-03-01T10:00:00Z,")
                .contains(requestId + "\",0,http,");

        // page and size are the events' only: the report and the export do not read them
        AuditAnswers.Report report = report(with(window, "size", "not-a-number"));
        assertThat(export(with(window, "page", "-1")).lines()).hasSize(4);
        assertThat(report.byFlag()).isEqualTo(Map.of("bidi_control", 1L, "invisible", 1L));
        assertThat(report.byChannel()).isEqualTo(Map.of("http", 3L, "kafka", 2L));
        assertThat(report.byPii()).isEmpty();
        assertThat(report.latencyMs()).isEqualTo(new AuditAnswers.Latency(20.0, 38.0));
    }

    @Test
    void shouldRefuseAFilterThatCannotMatch() {
        assertThatThrownBy(() -> events(Map.of("size", "0")))
                .hasRootCauseInstanceOf(dev.modelapi.errors.InvalidRequestException.class);
        assertThatThrownBy(() -> events(Map.of("channel", "carrier-pigeon")))
                .hasRootCauseInstanceOf(dev.modelapi.errors.InvalidRequestException.class);
        assertThatThrownBy(() -> report(Map.of("from", "yesterday")))
                .hasRootCauseInstanceOf(dev.modelapi.errors.InvalidRequestException.class);
    }

    private static Map<String, Object> with(Map<String, Object> map, String key, Object value) {
        Map<String, Object> copy = new java.util.HashMap<>(map);
        copy.put(key, value);
        return copy;
    }

    @Test
    void shouldRejectRowsTheDatabaseRefusesAsInvalidWithoutBlockingTheOthers() throws Exception {
        String requestId = newRequestId();
        List<AuditRecord> rows = new ArrayList<>(List.of(row(requestId, 0)));
        rows.add(row(null, 1)); // request_id is NOT NULL
        double rejectedBefore = counter("modelapi.audit.rows.rejected");

        store(rows);

        assertThat(queries.countByRequestId(requestId)).isZero();
        assertThat(counter("modelapi.audit.rows.rejected") - rejectedBefore).isEqualTo(2);
        assertThat(jsonFiles(spoolDirectory.resolve("rejected"))).hasSize(1);
        assertThat(spool.pendingRows()).isZero();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        String next = newRequestId();
        store(List.of(row(next, 0)));
        assertThat(queries.countByRequestId(next)).isEqualTo(1);
    }

    @Test
    void shouldSpoolWhileTheDatabaseIsDownAndDrainOnceItIsBack() throws Exception {
        String requestId = newRequestId();
        double failuresBefore = counter("modelapi.audit.write.failures");
        down.set(true);

        store(List.of(row(requestId, 0), row(requestId, 1)));
        int triesWhileDown = down.refused.get();
        store(List.of(row(requestId, 2)));
        store(List.of(row(requestId, 3), row(requestId, 4)));

        assertThat(triesWhileDown).as("the first batch tried the database").isPositive();
        assertThat(breaker.getState()).isIn(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);
        assertThat(spool.pendingRows()).isEqualTo(5);
        assertThat(jsonFiles(spoolDirectory)).hasSize(3);
        assertThat(counter("modelapi.audit.write.failures") - failuresBefore).isGreaterThanOrEqualTo(1);
        // for a second the breaker lets a try through every 300 ms: a drain try or two, each refused,
        // and the rows stay spooled
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> down.refused.get() < 10 && spool.pendingRows() == 5);

        down.set(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> spool.pendingRows() == 0);
        assertThat(queries.findByRequestId(requestId)).extracting(AuditRecord::itemIndex).containsExactly(0, 1, 2, 3, 4);
        // the file consumer deletes a drained file as its exchange completes, just after the drained step
        // counted its rows out
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(jsonFiles(spoolDirectory)).isEmpty());
        await().atMost(Duration.ofSeconds(5)).until(() -> breaker.getState() == CircuitBreaker.State.CLOSED);
        String after = newRequestId();
        store(List.of(row(after, 0)));
        assertThat(queries.countByRequestId(after)).isEqualTo(1);
    }

    @Test
    void shouldDrainWhatWasSpooledBeforeARestartIncludingTheEarlierJsonLinesFormat() throws Exception {
        routes.close();
        String requestId = newRequestId();
        ObjectMapper json = new ObjectMapper().registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule());
        try (PrintWriter lines = new PrintWriter(Files.newBufferedWriter(
                spoolDirectory.resolve("00000001764000000000-000001.jsonl"), StandardCharsets.UTF_8))) {
            lines.println(json.writeValueAsString(row(requestId, 0)));
            lines.println(json.writeValueAsString(row(requestId, 1)));
        }
        Files.writeString(spoolDirectory.resolve("20261201-000000-000-x.json"),
                json.writeValueAsString(List.of(row(requestId, 2))));

        startRoutes();

        await().atMost(Duration.ofSeconds(10)).until(() -> queries.countByRequestId(requestId) == 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> spool.pendingRows() == 0);
        try (Stream<Path> left = Files.list(spoolDirectory)) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
    }

    static SecurityEvent securityEvent(String requestId, Instant at, String kind, String reason, String principal,
            String source) {
        return new SecurityEvent(UUID.randomUUID().toString(), at, kind, reason,
                "command".equals(kind) ? "done" : "refused", "command".equals(kind) ? 200 : 401, "http", principal,
                source, principal == null ? "0123456789ab" : null, "POST /api/v1/predict", requestId,
                "the API key is not known or no longer enabled");
    }

    AuditAnswers.SecurityEvents securityEvents(Map<String, Object> filters) {
        return producer.requestBodyAndHeaders("direct:audit-security-events", null, filters,
                AuditAnswers.SecurityEvents.class);
    }

    @Test
    void shouldStoreSecurityEventsAndReadThemBackFilteredPagedAndAsCsv() {
        String requestId = newRequestId();
        String source = "198.51.100." + (int) (Math.random() * 250);
        Instant start = Instant.parse("2031-05-01T10:00:00Z");
        List<SecurityEvent> events = List.of(
                securityEvent(requestId, start, "refused", "unknown_key", null, source),
                securityEvent(requestId, start.plusSeconds(1), "refused", "role", "reader-" + requestId, source),
                securityEvent(requestId, start.plusSeconds(2), "command", "cache_flush", "admin-" + requestId, source),
                new SecurityEvent(UUID.randomUUID().toString(), start.plusSeconds(3), "burst", "refusals", "detected",
                        0, "grpc", null, source, "0123456789ab", null, requestId, "20 refusals within PT1M"));

        store(List.copyOf(events));
        store(List.of(events.get(0))); // written twice (a retried batch): one row

        Map<String, Object> window = Map.of("from", "2031-05-01", "to", "2031-05-02", "source", source);
        AuditAnswers.SecurityEvents all = securityEvents(window);
        assertThat(all.total()).isEqualTo(4L);
        assertThat(all.events()).containsExactly(events.get(3), events.get(2), events.get(1), events.get(0));
        assertThat(securityEvents(with(window, "reason", "role")).events()).containsExactly(events.get(1));
        assertThat(securityEvents(with(window, "kind", "refused")).total()).isEqualTo(2L);
        assertThat(securityEvents(with(window, "channel", "grpc")).events()).containsExactly(events.get(3));
        assertThat(securityEvents(with(window, "principal", "admin-" + requestId)).events())
                .containsExactly(events.get(2));
        AuditAnswers.SecurityEvents page = securityEvents(with(with(window, "size", "1"), "page", "2"));
        assertThat(page.events()).containsExactly(events.get(1));
        assertThatThrownBy(() -> securityEvents(with(window, "reason", "bad_vibes")))
                .hasRootCauseInstanceOf(dev.modelapi.errors.InvalidRequestException.class);

        String csv = producer.requestBodyAndHeaders("direct:audit-security-export", null, window, String.class);
        assertThat(csv.lines()).hasSize(4); // the header and at most export-max-rows (3 here), oldest first
        assertThat(csv.lines().findFirst().orElseThrow()).isEqualTo(
                "created_at,event_id,kind,reason,outcome,status,channel,principal,source,key_id,target,request_id,detail");
        assertThat(csv.lines().skip(1).findFirst().orElseThrow()).startsWith("2031-05-01T10:00:00Z,")
                .contains(events.get(0).eventId() + "\",refused,unknown_key,refused,401,http,," + source + ",0123456789ab,");

        AuditAnswers.Security report = report(Map.of("from", "2031-05-01", "to", "2031-05-02")).security();
        assertThat(report.byReason()).containsEntry("unknown_key", 1L).containsEntry("role", 1L)
                .containsEntry("cache_flush", 1L).containsEntry("refusals", 1L);
        assertThat(report.bySource()).containsEntry(source, 4L);
        assertThat(report.byKind()).containsEntry("refused", 2L).containsEntry("command", 1L).containsEntry("burst", 1L);
        assertThat(report.events()).isGreaterThanOrEqualTo(4L);
    }

    @Test
    void shouldSendSecurityEventsThroughTheirQueueInBatches() {
        String requestId = newRequestId();
        String source = "203.0.113." + (int) (Math.random() * 250);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (int i = 0; i < 30; i++) {
            producer.sendBody("seda:security-events", securityEvent(requestId, now, "refused", "missing_key", null, source));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> securityEvents(Map.of("source", source)).total() == 30);
    }

    @Test
    void shouldCountRowsWrittenOfBothTablesAndPredictionRowsApart() {
        String requestId = newRequestId();
        String source = "192.0.2.252-" + requestId;
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        long rowsBefore = auditMetrics.rowsWritten();
        long predictionsBefore = auditMetrics.predictionRowsWritten();

        store(List.of(row(requestId, 0), row(requestId, 1)));
        store(List.of(securityEvent(requestId, now, "refused", "unknown_key", null, source),
                securityEvent(requestId, now, "refused", "role", "reader", source),
                securityEvent(requestId, now, "command", "cache_flush", "admin", source)));
        // written again (a retried batch): ON CONFLICT makes it no row, and no count
        store(List.of(row(requestId, 0), row(requestId, 1)));

        assertThat(auditMetrics.rowsWritten() - rowsBefore).isEqualTo(5);
        assertThat(auditMetrics.predictionRowsWritten() - predictionsBefore)
                .as("what the start-up warm-up waits for: its own rows, never security events").isEqualTo(2);
        assertThat(queries.countByRequestId(requestId)).isEqualTo(2);
    }

    @Test
    void shouldSpoolSecurityEventsWithPredictionRowsWhileTheDatabaseIsDownAndDrainBoth() throws Exception {
        String requestId = newRequestId();
        String source = "192.0.2." + (int) (Math.random() * 250);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        down.set(true);

        store(List.of(row(requestId, 0), row(requestId, 1)));
        store(List.of(securityEvent(requestId, now, "refused", "rate_limited", "slow", source),
                securityEvent(requestId, now, "command", "model_load", "admin", source)));

        assertThat(spool.pendingRows()).isEqualTo(4);
        assertThat(jsonFiles(spoolDirectory)).hasSize(2)
                .filteredOn(f -> f.getFileName().toString().endsWith(".security.json")).hasSize(1);

        down.set(false);

        await().atMost(Duration.ofSeconds(10)).until(() -> spool.pendingRows() == 0);
        assertThat(queries.countByRequestId(requestId)).isEqualTo(2);
        assertThat(securityEvents(Map.of("source", source)).events()).extracting(SecurityEvent::reason)
                .containsExactlyInAnyOrder("rate_limited", "model_load");
        // the file consumer deletes a drained file as its exchange completes, just after the drained step
        // counted its rows out
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(jsonFiles(spoolDirectory)).isEmpty());
    }

    @Test
    void shouldRemoveSecurityEventsPastRetention() {
        String requestId = newRequestId();
        String source = "192.0.2.251-" + requestId;
        store(List.of(securityEvent(requestId, Instant.parse("2001-01-01T00:00:00Z"), "refused", "unknown_key", null,
                        source),
                securityEvent(requestId, Instant.parse("2003-01-01T00:00:00Z"), "refused", "unknown_key", null, source)));
        Map<String, Object> always = Map.of("from", "2000-01-01", "to", "2004-01-01", "source", source);
        assertThat(securityEvents(always).total()).isEqualTo(2L);

        retention.applyBefore(Instant.parse("2002-01-01T00:00:00Z"));

        assertThat(securityEvents(always).events()).extracting(SecurityEvent::createdAt)
                .containsExactly(Instant.parse("2003-01-01T00:00:00Z"));
    }

    @Test
    void shouldKeepTextsSealedInTheDatabaseAndTheSpoolAndOpenThemAcrossAKeyRotation() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String oldId = "rot-a-" + run;
        String newId = "rot-b-" + run;
        String oldKey = AuditCipherTest.newKey();
        String newKey = AuditCipherTest.newKey();
        JdbcTemplate jdbc = new JdbcTemplate(database);
        try {
            // ciphers as an instance keeping no texts builds them, so that keys other tests recorded in the
            // shared database are not asked for; the last check below is an instance keeping texts
            AuditCipher before = AuditCipher.of(new AuditEncryptionProperties(null, Map.of(oldId, oldKey), null),
                    AuditRecords.TextStorage.HASH);
            before.checkKeys(jdbc);
            String requestId = newRequestId();
            AuditRecords raw = new AuditRecords(new dev.modelapi.pii.PiiDetector(), AuditRecords.TextStorage.RAW, before,
                    meters);
            store(List.of(raw.of(AuditRecordsTest.answered(requestId, 0, AuditCipherTest.TEXT))));

            AuditCipher rotated = AuditCipher.of(new AuditEncryptionProperties(null, Map.of(oldId, oldKey, newId, newKey),
                    newId), AuditRecords.TextStorage.HASH);
            rotated.checkKeys(jdbc);
            AuditRecords afterRotation = new AuditRecords(new dev.modelapi.pii.PiiDetector(),
                    AuditRecords.TextStorage.RAW, rotated, meters);
            store(List.of(afterRotation.of(AuditRecordsTest.answered(requestId, 1, AuditCipherTest.TEXT))));
            // while the database is down, the spool holds the sealed text too
            down.set(true);
            store(List.of(afterRotation.of(AuditRecordsTest.answered(requestId, 2, AuditCipherTest.TEXT))));
            assertThat(jsonFiles(spoolDirectory)).singleElement().satisfies(file ->
                    assertThat(Files.readString(file)).contains("enc:v1:" + newId + ":").doesNotContain("jane"));
            down.set(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> queries.countByRequestId(requestId) == 3);

            AuditQueries reader = new AuditQueries(jdbc, rotated);
            assertThat(reader.storedTexts(requestId)).satisfiesExactly(
                    first -> assertThat(first).startsWith("enc:v1:" + oldId + ":").doesNotContain("jane"),
                    second -> assertThat(second).startsWith("enc:v1:" + newId + ":").doesNotContain("jane"),
                    third -> assertThat(third).startsWith("enc:v1:" + newId + ":"));
            assertThat(reader.findByRequestId(requestId)).extracting(AuditRecord::inputText)
                    .containsOnly(AuditCipherTest.TEXT);

            // a key under the old id that is not the old key, and the old key left out: both stop the start
            AuditCipher wrong = AuditCipher.of(new AuditEncryptionProperties(null,
                    Map.of(oldId, AuditCipherTest.newKey(), newId, newKey), newId), AuditRecords.TextStorage.HASH);
            assertThatThrownBy(() -> wrong.checkKeys(jdbc)).hasMessageContaining("key " + oldId + " is not the key");
            AuditCipher missing = AuditCipher.of(new AuditEncryptionProperties(null, Map.of(newId, newKey), null),
                    AuditRecords.TextStorage.RAW);
            assertThatThrownBy(() -> missing.checkKeys(jdbc)).hasMessageContaining("which is not configured");
        } finally {
            jdbc.update("DELETE FROM audit_encryption_key WHERE key_id IN (?, ?)", oldId, newId);
        }
    }

    static List<Path> jsonFiles(Path directory) throws Exception {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).toList();
        }
    }

    /** Down: the database refuses connections, as one stopped or out of reach does. */
    static final class Switch {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger refused = new AtomicInteger();

        void set(boolean value) {
            down.set(value);
        }
    }

    /** The real database behind the switch. */
    record SwitchedDataSource(DataSource real, Switch power) implements DataSource {

        private Connection check(java.util.concurrent.Callable<Connection> open) throws SQLException {
            if (power.down.get()) {
                power.refused.incrementAndGet();
                throw new java.sql.SQLTransientConnectionException("Connection refused (the test's switch)");
            }
            try {
                return open.call();
            } catch (SQLException e) {
                throw e;
            } catch (Exception e) {
                throw new SQLException(e);
            }
        }

        @Override
        public Connection getConnection() throws SQLException {
            return check(real::getConnection);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return check(() -> real.getConnection(username, password));
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return real.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            real.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            real.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return real.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return real.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return real.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return real.isWrapperFor(iface);
        }
    }
}
