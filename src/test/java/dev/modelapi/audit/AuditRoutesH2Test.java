package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The audit routes on the embedded default: H2 in PostgreSQL mode, as configured in application.yaml. */
@SpringBootTest(classes = AuditTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class AuditRoutesH2Test extends AuditRoutesContract {

    @Autowired
    DataSource dataSource;

    @Test
    void shouldRunOnEmbeddedH2ByDefault() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("H2");
            assertThat(connection.getMetaData().getURL()).startsWith("jdbc:h2:mem:audit");
        }
    }

    @Test
    void shouldKeepTheInMemoryTableWithoutItsQueryIndexesButWithItsUniqueConstraints() throws Exception {
        List<String> indexes = indexesOf(dataSource, "prediction_audit");

        assertThat(indexes).noneMatch(name -> name.startsWith("ix_prediction_audit_"));
        assertThat(indexes).anyMatch(name -> name.startsWith("uq_prediction_audit_request_item"))
                .anyMatch(name -> name.startsWith("uq_prediction_audit_idempotency"));
        assertThat(indexesOf(dataSource, "security_event")).contains("ix_security_event_created_at");
    }

    @Test
    void shouldTakeH2sInMemoryFileSystemsAsInMemoryButNotItsFiles() {
        assertThat(AuditConfiguration.inMemory("jdbc:h2:mem:audit;MODE=PostgreSQL")).isTrue();
        assertThat(AuditConfiguration.inMemory("jdbc:h2:nioMemFS:audit")).isTrue();
        assertThat(AuditConfiguration.inMemory("jdbc:h2:memFS:audit")).isTrue();
        assertThat(AuditConfiguration.inMemory("jdbc:h2:file:./data/audit;MODE=PostgreSQL")).isFalse();
        assertThat(AuditConfiguration.inMemory("jdbc:postgresql://db:5432/audit")).isFalse();
        assertThat(AuditConfiguration.inMemory("")).isFalse();
    }
}
