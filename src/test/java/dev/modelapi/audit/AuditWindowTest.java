package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.errors.InvalidRequestException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The audit window's ends: every RFC 3339 date-time (as the OpenAPI document's format says) or a date. */
class AuditWindowTest {

    @Test
    void shouldReadEveryOffsetRfc3339AllowsAndEitherCase() {
        assertThat(AuditReports.instant("2026-11-30T12:00:00Z", "from")).isEqualTo(Instant.parse("2026-11-30T12:00:00Z"));
        assertThat(AuditReports.instant("2026-11-30t12:00:00.5z", "from")).isEqualTo(Instant.parse("2026-11-30T12:00:00.5Z"));
        assertThat(AuditReports.instant("2026-11-30T12:00:00+05:30", "from")).isEqualTo(Instant.parse("2026-11-30T06:30:00Z"));
        // past Java's +-18:00, which RFC 3339 allows
        assertThat(AuditReports.instant("0326-01-22T12:13:02+23:46", "from")).isEqualTo(Instant.parse("0326-01-21T12:27:02Z"));
        assertThat(AuditReports.instant("2221-09-21T00:54:04.828343-20:46", "from"))
                .isEqualTo(Instant.parse("2221-09-21T21:40:04.828343Z"));
        assertThat(AuditReports.instant("2026-11-30", "to")).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
    }

    @Test
    void shouldRefuseWhatIsNeitherADateTimeNorADate() {
        for (String text : new String[] {"yesterday", "0..0", "2026-11-30T12:00", "2026-13-01", "2026-11-30T12:00:00+24:00"}) {
            assertThatThrownBy(() -> AuditReports.instant(text, "from")).as(text)
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }
}
