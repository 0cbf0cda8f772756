package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
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
}
