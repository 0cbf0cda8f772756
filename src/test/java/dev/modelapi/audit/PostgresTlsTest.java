package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.testsupport.TemporaryDirectories;
import dev.modelapi.testsupport.TestCertificates;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The audit database over TLS: a real PostgreSQL serving a certificate the test's own authority
 * signed, the service's DataSource told to verify it ({@code sslmode=verify-full}, the authority as
 * {@code sslrootcert}) as README: Transport security says. Flyway's migration, the audit's writes and
 * its reads all go over the encrypted connection; a client that trusts another authority is refused.
 */
@SpringBootTest(classes = AuditTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class PostgresTlsTest {

    static final TestCertificates CERTIFICATES = TestCertificates.make(TemporaryDirectories.make("pg-tls-"));
    static final EmbeddedPostgres POSTGRES = start();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> url(CERTIFICATES.ca()));
        registry.add("spring.datasource.driver-class-name", () -> "org.postgresql.Driver");
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    AuditQueries queries;

    static String url(Path ca) {
        return "jdbc:postgresql://localhost:" + POSTGRES.getPort() + "/postgres?sslmode=verify-full&sslrootcert=" + ca;
    }

    @AfterAll
    static void stop() throws IOException {
        POSTGRES.close();
    }

    @Test
    void shouldMigrateWriteAndReadTheAuditOverAVerifiedTlsConnection() {
        assertThat(jdbc.queryForObject("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", Boolean.class))
                .isTrue();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM flyway_schema_history WHERE success", Integer.class))
                .isGreaterThanOrEqualTo(6);
        String requestId = AuditRoutesContract.newRequestId();
        AuditRoutesContract.insert(jdbc, List.of(AuditRoutesContract.row(requestId, 0)));
        assertThat(queries.findByRequestId(requestId)).singleElement().extracting(AuditRecord::label).isEqualTo("spam");
    }

    @Test
    void shouldRefuseAServerWhoseCertificateAnotherAuthoritySigned() {
        TestCertificates other = TestCertificates.make(TemporaryDirectories.make("pg-tls-other-"));
        Properties login = new Properties();
        login.setProperty("user", "postgres");

        assertThatThrownBy(() -> DriverManager.getConnection(url(other.ca()), login).close())
                .hasMessageContaining("SSL");
    }

    private static EmbeddedPostgres start() {
        try {
            return EmbeddedPostgres.builder()
                    .setServerConfig("ssl", "on")
                    .setServerConfig("ssl_cert_file", CERTIFICATES.certificate().toString())
                    .setServerConfig("ssl_key_file", CERTIFICATES.key().toString())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL with TLS did not start", e);
        }
    }
}
