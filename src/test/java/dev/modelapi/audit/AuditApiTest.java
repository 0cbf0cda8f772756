package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.RealServices;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The compliance API against the real PostgreSQL: rows written with known values in a time window
 * of their own (a random hour of 2031), then read back page by page and filtered, reported on
 * (counts, cache hit rate, latency percentiles computed by hand), exported as CSV; and the
 * retention route archiving rows older than its period.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.audit.retention=3650d",
        "modelapi.audit.retention-action=archive",
        "modelapi.audit.retention-interval=300ms"})
@RealServices
class AuditApiTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    ProducerTemplate audit;

    @Autowired
    JdbcTemplate jdbc;

    Instant start;
    String window;
    String run;

    @BeforeEach
    void rows() {
        run = UUID.randomUUID().toString().substring(0, 8);
        start = Instant.parse("2031-01-01T00:00:00Z").plus(Duration.ofHours(Math.abs(run.hashCode() % 50_000)));
        window = "from=" + start + "&to=" + start.plus(Duration.ofHours(1));
        List<AuditRecord> rows = new ArrayList<>();
        // label, models, channel, principal, cached, latency, flags
        rows.add(row(0, "spam", "spam-roberta:1,spam-distilbert:1", "http", "alice", false, 10, "bidi_control"));
        rows.add(row(1, "spam", "spam-roberta:1", "jms", "alice", true, 20, null));
        rows.add(row(2, "ham", "spam-distilbert:1", "http", "bob", false, 30, "invisible,mixed_script"));
        rows.add(row(3, "ham", "spam-roberta:2,spam-deberta:1", "kafka", "bob", false, 40, null));
        audit.requestBody("direct:audit-store", rows);
    }

    private AuditRecord row(int i, String label, String models, String channel, String principal, boolean cached,
            long latencyMs, String flags) {
        return new AuditRecord("report-" + run + "-" + i, 0, start.plus(Duration.ofMinutes(i)), channel, principal,
                models, "a".repeat(64), 100, label, 0.9, cached, cached ? 0 : 4, latencyMs, false, null, null, flags,
                i == 2 ? "email" : null, null);
    }

    @Test
    void shouldPageTheEventsOfAWindowNewestFirst() throws Exception {
        JsonNode page = get("/api/v1/audit/events?" + window + "&size=3&page=0");

        assertThat(page.get("total").asInt()).isEqualTo(4);
        assertThat(page.get("events")).hasSize(3);
        assertThat(page.at("/events/0/requestId").asText()).isEqualTo("report-" + run + "-3");
        assertThat(page.at("/events/0/createdAt").asText()).isEqualTo(start.plus(Duration.ofMinutes(3)).toString());
        JsonNode next = get("/api/v1/audit/events?" + window + "&size=3&page=1");
        assertThat(next.get("events")).hasSize(1);
        assertThat(next.at("/events/0/requestId").asText()).isEqualTo("report-" + run + "-0");
    }

    @Test
    void shouldFilterByModelLabelPrincipalChannelAndFlag() throws Exception {
        assertThat(ids(get("/api/v1/audit/events?" + window + "&model=spam-distilbert"))).containsExactly(2, 0);
        assertThat(ids(get("/api/v1/audit/events?" + window + "&model=spam-rob"))).isEmpty(); // whole names only
        assertThat(ids(get("/api/v1/audit/events?" + window + "&label=ham"))).containsExactly(3, 2);
        assertThat(ids(get("/api/v1/audit/events?" + window + "&principal=alice&channel=jms"))).containsExactly(1);
        assertThat(ids(get("/api/v1/audit/events?" + window + "&flag=invisible"))).containsExactly(2);
        assertThat(ids(get("/api/v1/audit/events?" + window + "&flag=repetition"))).isEmpty();
    }

    @Test
    void shouldReportCountsCacheHitRateAndLatencyPercentiles() throws Exception {
        JsonNode report = get("/api/v1/audit/report?" + window);

        assertThat(report.get("texts").asInt()).isEqualTo(4);
        assertThat(report.get("cacheHitRate").asDouble()).isEqualTo(0.25);
        // linear interpolation over 10, 20, 30, 40: p50 = 25, p95 = 30 + 0.85 * 10 = 38.5
        assertThat(report.at("/latencyMs/p50").asDouble()).isCloseTo(25.0, within(1e-9));
        assertThat(report.at("/latencyMs/p95").asDouble()).isCloseTo(38.5, within(1e-9));
        assertThat(report.at("/byLabel/spam").asInt()).isEqualTo(2);
        assertThat(report.at("/byLabel/ham").asInt()).isEqualTo(2);
        assertThat(report.at("/byModel/spam-roberta").asInt()).isEqualTo(3);
        assertThat(report.at("/byModel/spam-distilbert").asInt()).isEqualTo(2);
        assertThat(report.at("/byModel/spam-deberta").asInt()).isEqualTo(1);
        assertThat(report.at("/byChannel/http").asInt()).isEqualTo(2);
        assertThat(report.at("/byPrincipal/bob").asInt()).isEqualTo(2);
        assertThat(report.at("/byFlag/bidi_control").asInt()).isEqualTo(1);
        assertThat(report.at("/byFlag/invisible").asInt()).isEqualTo(1);
        assertThat(report.at("/byPii/email").asInt()).isEqualTo(1);
    }

    @Test
    void shouldExportTheWindowAsCsv() {
        ResponseEntity<String> csv = http.getForEntity("/api/v1/audit/events.csv?" + window, String.class);

        assertThat(csv.getStatusCode().value()).isEqualTo(200);
        assertThat(csv.getHeaders().getContentType().toString()).startsWith("text/csv");
        List<String> lines = csv.getBody().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("created_at,request_id,item_index,channel,principal,models,label");
        assertThat(lines.get(1)).contains("report-" + run + "-0", "\"spam-roberta:1,spam-distilbert:1\"", "bidi_control");
    }

    @Test
    void shouldRefuseAMalformedWindowOrFilterWith400() throws Exception {
        for (String query : List.of("from=yesterday", "to=0..0", "channel=fax", "flag=AAA", "principal=a%00b",
                "label=%0A", "model=a%0Db", "size=0", "page=-1")) {
            boolean paged = query.startsWith("size") || query.startsWith("page");
            for (String path : paged ? List.of("/api/v1/audit/events?")
                    : List.of("/api/v1/audit/report?", "/api/v1/audit/events?", "/api/v1/audit/events.csv?")) {
                ResponseEntity<String> response = http.getForEntity(java.net.URI.create(http.getRootUri() + path + query),
                        String.class);

                assertThat(response.getStatusCode().value()).as(path + query).isEqualTo(400);
                assertThat(json.readTree(response.getBody()).at("/error/code").asText()).isEqualTo("invalid_query");
            }
        }
    }

    @Test
    void shouldReadRfc3339InstantsWithAnyOffsetAndAnEmptyWindowAsEmpty() throws Exception {
        // the same window as the others', written with an offset and in lower case
        String from = window.replaceAll(".*from=([^&]*).*", "$1");
        String to = window.replaceAll(".*to=([^&]*).*", "$1");
        java.time.Instant start = java.time.Instant.parse(java.net.URLDecoder.decode(from, StandardCharsets.UTF_8));
        String shifted = java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME
                .format(start.atOffset(java.time.ZoneOffset.ofHours(5))).toLowerCase(java.util.Locale.ROOT);
        // a URI, not a template: the template would encode the % of %2B again
        java.net.URI uri = java.net.URI.create(http.getRootUri() + "/api/v1/audit/events?from="
                + java.net.URLEncoder.encode(shifted, StandardCharsets.UTF_8) + "&to=" + to);
        JsonNode same = json.readTree(http.getForEntity(uri, String.class).getBody());
        JsonNode empty = json.readTree(http.getForEntity("/api/v1/audit/events?from=" + to + "&to=" + from,
                String.class).getBody());

        assertThat(same.get("total")).as(same.toString()).isNotNull();
        assertThat(same.get("total").asInt()).isEqualTo(4);
        assertThat(empty.get("total")).as(empty.toString()).isNotNull();
        assertThat(empty.get("total").asInt()).isZero();
        assertThat(empty.get("events")).isEmpty();
    }

    @Test
    void shouldArchiveRowsOlderThanTheRetentionPeriod() {
        String old = "old-" + run;
        audit.requestBody("direct:audit-store", List.of(new AuditRecord(old, 0, Instant.parse("2001-02-03T04:05:06Z"), "http", "carol",
                "spam-roberta:1", "b".repeat(64), 10, "ham", 0.8, false, 1, 5L)));

        // the retention route (every 300 ms in this test, 10 years) moves it to the archive
        await().atMost(Duration.ofSeconds(20)).until(() -> count("prediction_audit", old) == 0);
        assertThat(count("prediction_audit_archive", old)).isEqualTo(1);
        assertThat(count("prediction_audit", "report-" + run + "-0")).as("recent rows stay").isEqualTo(1);
    }

    private long count(String table, String requestId) {
        Long rows = jdbc.queryForObject("SELECT COUNT(*) FROM " + table + " WHERE request_id = ?", Long.class, requestId);
        return rows == null ? 0 : rows;
    }

    private List<Integer> ids(JsonNode page) {
        List<Integer> ids = new ArrayList<>();
        page.get("events").forEach(e -> {
            String id = e.get("requestId").asText();
            ids.add(Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)));
        });
        return ids;
    }

    private JsonNode get(String path) throws Exception {
        ResponseEntity<String> response = http.getForEntity(path, String.class);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }
}
