package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which texts the audit writes, with the start-up warm-up's only where its database is in memory, and
 * how the warm-up's rows are deleted: once the writer has written as many rows as it answered texts.
 */
class AuditWarmUpTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** Answers the warm-up's deletes with the given counts, then with 0. */
    private static final class ScriptedDeletes extends JdbcTemplate {
        final Deque<Integer> counts;
        final AtomicInteger calls = new AtomicInteger();

        ScriptedDeletes(Integer... counts) {
            this.counts = new ArrayDeque<>(List.of(counts));
        }

        @Override
        public int update(String sql, Object... args) {
            assertThat(sql).isEqualTo("DELETE FROM prediction_audit WHERE principal = ?");
            assertThat(args).containsExactly(PredictionTask.WARM_UP_PRINCIPAL);
            calls.incrementAndGet();
            return counts.isEmpty() ? 0 : counts.poll();
        }
    }

    private static PredictionTask task(String principal) {
        return new PredictionTask("r", 0, "http", principal, "win a prize",
                new EnsembleSpec(List.of(), EnsembleMethod.SOFT, Map.of()), System.nanoTime());
    }

    private double forgotten() {
        return meters.get("modelapi.audit.warmup.rows").counter().count();
    }

    @Test
    void shouldWriteTheWarmUpsTextsOnlyIntoAnInMemoryDatabase() {
        AuditWarmUp inMemory = new AuditWarmUp(new ScriptedDeletes(), true, () -> 0, Duration.ofMillis(1), meters);
        AuditWarmUp outside = new AuditWarmUp(new ScriptedDeletes(), false, () -> 0, Duration.ofMillis(1),
                new SimpleMeterRegistry());

        assertThat(inMemory.audited(task("mailer"))).isTrue();
        assertThat(inMemory.audited(task(PredictionTask.WARM_UP_PRINCIPAL))).isTrue();
        assertThat(inMemory.audited(task(PredictionTask.CACHE_WARMING_PRINCIPAL))).isFalse();
        assertThat(outside.audited(task("mailer"))).isTrue();
        assertThat(outside.audited(task(PredictionTask.WARM_UP_PRINCIPAL))).isFalse();
        assertThat(outside.audited(task(PredictionTask.CACHE_WARMING_PRINCIPAL))).isFalse();
    }

    @Test
    void shouldDeleteOnceTheWriterHasWrittenARowForEveryTextSinceTheWarmUpBegan() {
        // the writer had 7 rows of callers before; the warm-up's 52 arrive in batches after its last answer
        AtomicLong written = new AtomicLong(7);
        ScriptedDeletes deletes = new ScriptedDeletes(40);
        AuditWarmUp warmUp = new AuditWarmUp(deletes, true, () -> written.getAndUpdate(n -> Math.min(59, n + 20)),
                Duration.ofMillis(1), meters);
        warmUp.begin();

        assertThat(warmUp.forgetRows(52, Duration.ofSeconds(10))).isTrue();

        // one delete, once 59 rows were written: the 12 others the in-memory limit had removed
        assertThat(deletes.calls).hasValue(1);
        assertThat(forgotten()).isEqualTo(40);
        assertThat(written.get()).isEqualTo(59);
    }

    @Test
    void shouldDeleteWhatIsThereWhenTheWriterStaysBehind() {
        ScriptedDeletes deletes = new ScriptedDeletes(10);
        AuditWarmUp warmUp = new AuditWarmUp(deletes, true, () -> 30, Duration.ofMillis(5), meters);
        warmUp.begin();

        assertThat(warmUp.forgetRows(52, Duration.ofMillis(50))).isFalse();

        assertThat(deletes.calls).hasValue(1);
        assertThat(forgotten()).isEqualTo(10);
    }

    @Test
    void shouldTouchNoDatabaseWhereItWroteNoRowOrNothingWasAnswered() {
        ScriptedDeletes deletes = new ScriptedDeletes(5);
        AuditWarmUp outside = new AuditWarmUp(deletes, false, () -> 0, Duration.ofMillis(1), meters);
        AuditWarmUp inMemory = new AuditWarmUp(deletes, true, () -> 0, Duration.ofMillis(1), new SimpleMeterRegistry());

        assertThat(outside.forgetRows(52, Duration.ofSeconds(1))).isTrue();
        assertThat(inMemory.forgetRows(0, Duration.ofSeconds(1))).isTrue();
        assertThat(deletes.calls).hasValue(0);
    }
}
