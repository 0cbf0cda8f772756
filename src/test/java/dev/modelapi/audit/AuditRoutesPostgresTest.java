package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.testsupport.EmbeddedPostgresServer;
import dev.modelapi.testsupport.RealServices;
import java.sql.Connection;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.boot.test.context.SpringBootTest;

/** The audit routes on a real PostgreSQL, where production keeps the audit trail. */
@SpringBootTest(classes = AuditTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
@RealServices
class AuditRoutesPostgresTest extends AuditRoutesContract {

    @Autowired
    DataSource dataSource;

    @Test
    void shouldRunOnPostgres() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
        }
    }

    @Test
    void shouldKeepTheQueryIndexesOutsideTheInMemoryDatabase() throws Exception {
        assertThat(indexesOf(dataSource, "prediction_audit"))
                .contains("ix_prediction_audit_created_at", "ix_prediction_audit_principal_created");
    }

    @Test
    void shouldConnectThroughLibpqStylePostgresUrl() {
        String requestId = newRequestId();
        try (ConfigurableApplicationContext application = new SpringApplicationBuilder(AuditTestApplication.class)
                .web(WebApplicationType.NONE)
                .properties("POSTGRES_URL=" + EmbeddedPostgresServer.shared().libpqUrl())
                .run()) {
            insert(new JdbcTemplate(application.getBean(DataSource.class)), List.of(row(requestId, 0)));
        }

        assertThat(queries.countByRequestId(requestId)).isEqualTo(1);
    }
}
