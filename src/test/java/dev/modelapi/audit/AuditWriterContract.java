package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;

/**
 * What the audit writer promises on any database the service supports; each subclass runs it on one.
 * Databases are shared across tests, so every test writes under request ids of its own.
 */
abstract class AuditWriterContract {

    @Autowired
    AuditWriter writer;

    @Autowired
    AuditQueries queries;

    @Autowired
    Flyway flyway;

    @Autowired
    MeterRegistry meters;

    @Autowired
    AuditReports reports;

    static AuditRecord row(String requestId, int itemIndex) {
        return new AuditRecord(requestId, itemIndex, Instant.now().truncatedTo(ChronoUnit.MICROS), "http", "alice",
                "spam-distilbert:1,spam-roberta:1", "a".repeat(64), 1234, "spam", 0.973, false, 8, 42L);
    }

    static String newRequestId() {
        return "test-" + UUID.randomUUID();
    }

    private double counter(String name) {
        return meters.get(name).counter().count();
    }

    @Test
    void shouldCreateTheTableWithFlyway() {
        assertThat(flyway.info().current().getVersion().getVersion()).isEqualTo("4");
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

        writer.write(List.of(modelAnswer, cachedAnswer, degradedAnswer));

        assertThat(queries.findByRequestId(requestId)).containsExactly(modelAnswer, cachedAnswer, degradedAnswer);
    }

    @Test
    void shouldKeepOneRowWhenTheSameItemIsWrittenTwice() {
        String requestId = newRequestId();
        double writtenBefore = counter("modelapi.audit.rows.written");

        writer.writeOne(row(requestId, 0));
        writer.writeOne(row(requestId, 0));
        writer.write(List.of(row(requestId, 0), row(requestId, 0)));

        assertThat(queries.countByRequestId(requestId)).isEqualTo(1);
        assertThat(counter("modelapi.audit.rows.written") - writtenBefore).isEqualTo(1);
    }

    @Test
    void shouldWriteABatchOf250Rows() {
        String requestId = newRequestId();
        List<AuditRecord> rows = IntStream.range(0, 250).mapToObj(i -> row(requestId, i)).toList();
        double writtenBefore = counter("modelapi.audit.rows.written");

        writer.write(rows);

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
        writer.write(List.of(
                new AuditRecord(requestId, 0, now, "http", principal, "spam-distilbert:1,spam-roberta:1", "a".repeat(64),
                        10, "spam", 0.9, false, 2, 40L),
                new AuditRecord(requestId, 1, now, "http", principal, "spam-roberta:1", "b".repeat(64), 12, "ham", 0.8,
                        true, 0, 2L)));

        Map<String, Object> report = reports.report(null, null, null, null, principal, null, null);

        assertThat(report.get("texts")).isEqualTo(2L);
        assertThat(report.get("cacheHitRate")).isEqualTo(0.5);
        assertThat(report.get("byLabel")).isEqualTo(Map.of("ham", 1L, "spam", 1L));
        assertThat(report.get("byModel")).isEqualTo(Map.of("spam-distilbert", 1L, "spam-roberta", 2L));
        assertThat(report.get("byPrincipal")).isEqualTo(Map.of(principal, 2L));
    }

    @Test
    void shouldCountAndRethrowAFailedWrite() {
        String requestId = newRequestId();
        List<AuditRecord> rows = new ArrayList<>(List.of(row(requestId, 0)));
        rows.add(row(null, 1));
        double failuresBefore = counter("modelapi.audit.write.failures");

        assertThatThrownBy(() -> writer.write(rows)).isInstanceOf(DataAccessException.class);

        assertThat(counter("modelapi.audit.write.failures") - failuresBefore).isEqualTo(1);
    }
}
