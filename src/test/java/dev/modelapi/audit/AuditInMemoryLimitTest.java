package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The in-memory database of the default run keeps at most in-memory-max-rows audit rows, the
 * newest; the limit never touches another database (here the same H2, declared not in memory),
 * and deletes only once rows were counted as written since it last did, or an interval after.
 */
@SpringBootTest(classes = AuditTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        // the route's own timer stays out of the way (every 100 ms by default): the test applies the limit
        properties = {"modelapi.audit.in-memory-max-rows=5", "modelapi.audit.in-memory-limit-interval=1h"})
class AuditInMemoryLimitTest {

    @Autowired
    AuditRetention retention;

    @Autowired
    AuditQueries queries;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    AuditProperties settings;

    @Test
    void shouldKeepOnlyTheNewestRowsOfTheInMemoryDatabase() {
        String requestId = AuditRoutesContract.newRequestId();
        List<AuditRecord> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rows.add(AuditRoutesContract.row(requestId, i));
        }
        AuditRoutesContract.insert(jdbc, rows);
        for (int i = 0; i < 9; i++) {
            jdbc.update("INSERT INTO security_event (event_id, created_at, kind, reason, outcome, status) "
                    + "VALUES (?, CURRENT_TIMESTAMP, 'refused', 'missing_key', 'refused', 401)",
                    java.util.UUID.randomUUID().toString());
        }
        long total = count();
        assertThat(total).isGreaterThanOrEqualTo(12);

        int deleted = retention.applyInMemoryLimit();

        assertThat(deleted).isEqualTo((int) (total - 5));
        assertThat(count()).isEqualTo(5);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM security_event", Long.class))
                .as("security events have the same bound").isEqualTo(5);
        assertThat(queries.findByRequestId(requestId)).extracting(AuditRecord::itemIndex).containsExactly(7, 8, 9, 10, 11);
        assertThat(retention.applyInMemoryLimit()).isZero();
    }

    @Test
    void shouldLeaveADatabaseThatIsNotInMemoryToRetention() {
        String requestId = AuditRoutesContract.newRequestId();
        for (int i = 0; i < 8; i++) {
            AuditRoutesContract.insert(jdbc, List.of(AuditRoutesContract.row(requestId, i)));
        }
        long before = count();
        AuditRetention onDisk = new AuditRetention(jdbc, transactions, settings, false, new SimpleMeterRegistry(),
                () -> 8);

        assertThat(onDisk.applyInMemoryLimit()).isZero();
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void shouldDeleteOnlyOnceRowsWereWrittenSinceOrAtLeastEveryInterval() {
        AtomicLong written = new AtomicLong();
        AuditRetention limit = new AuditRetention(jdbc, transactions, settings, true, new SimpleMeterRegistry(),
                written::get, Duration.ofHours(1));
        insertRows(12);
        assertThat(limit.applyInMemoryLimit()).as("the first time").isPositive();
        assertThat(count()).isEqualTo(5);

        // rows the audit-written step did not count: left until a write is counted (or an hour)
        insertRows(3);
        assertThat(limit.applyInMemoryLimit()).isZero();
        assertThat(count()).isEqualTo(8);

        written.addAndGet(3);
        assertThat(limit.applyInMemoryLimit()).isEqualTo(3);
        assertThat(count()).isEqualTo(5);

        AuditRetention everyTime = new AuditRetention(jdbc, transactions, settings, true, new SimpleMeterRegistry(),
                written::get, Duration.ZERO);
        everyTime.applyInMemoryLimit();
        insertRows(2);
        assertThat(everyTime.applyInMemoryLimit()).as("past the interval, counted or not").isEqualTo(2);
        assertThat(count()).isEqualTo(5);
    }

    private void insertRows(int rows) {
        String requestId = AuditRoutesContract.newRequestId();
        for (int i = 0; i < rows; i++) {
            AuditRoutesContract.insert(jdbc, List.of(AuditRoutesContract.row(requestId, i)));
        }
    }

    private long count() {
        Long rows = jdbc.queryForObject("SELECT COUNT(*) FROM prediction_audit", Long.class);
        return rows == null ? 0 : rows;
    }
}
