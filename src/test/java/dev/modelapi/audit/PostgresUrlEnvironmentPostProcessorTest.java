package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

class PostgresUrlEnvironmentPostProcessorTest {

    private static final String H2 = "jdbc:h2:mem:audit;MODE=PostgreSQL";

    private final PostgresUrlEnvironmentPostProcessor processor = new PostgresUrlEnvironmentPostProcessor();

    private MockEnvironment process(MockEnvironment environment) {
        processor.postProcessEnvironment(environment.withProperty("spring.datasource.url", H2), null);
        return environment;
    }

    @Test
    void shouldKeepTheH2DefaultWithoutPostgresUrl() {
        MockEnvironment environment = process(new MockEnvironment());

        assertThat(environment.getProperty("spring.datasource.url")).isEqualTo(H2);
        assertThat(environment.getProperty("spring.datasource.username")).isNull();
    }

    @Test
    void shouldPassAJdbcUrlThrough() {
        MockEnvironment environment = process(new MockEnvironment()
                .withProperty("POSTGRES_URL", "jdbc:postgresql://db:5432/audit?sslmode=require"));

        assertThat(environment.getProperty("spring.datasource.url")).isEqualTo("jdbc:postgresql://db:5432/audit?sslmode=require");
        assertThat(environment.getProperty("spring.datasource.driver-class-name")).isEqualTo("org.postgresql.Driver");
        assertThat(environment.getProperty("spring.datasource.username")).isNull();
    }

    @Test
    void shouldTranslateALibpqUrlWithCredentials() {
        MockEnvironment environment = process(new MockEnvironment()
                .withProperty("POSTGRES_URL", "postgresql://audit_writer:s%40cr%2Ft+1@db.internal:6432/audit?sslmode=require"));

        assertThat(environment.getProperty("spring.datasource.url"))
                .isEqualTo("jdbc:postgresql://db.internal:6432/audit?sslmode=require");
        assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("audit_writer");
        assertThat(environment.getProperty("spring.datasource.password")).isEqualTo("s@cr/t+1");
    }

    @Test
    void shouldAcceptThePostgresSchemeWithoutCredentials() {
        MockEnvironment environment = process(new MockEnvironment()
                .withProperty("POSTGRES_URL", "postgres://db:5432/audit"));

        assertThat(environment.getProperty("spring.datasource.url")).isEqualTo("jdbc:postgresql://db:5432/audit");
        assertThat(environment.getProperty("spring.datasource.username")).isNull();
        assertThat(environment.getProperty("spring.datasource.password")).isNull();
    }

    @Test
    void shouldPreferPostgresUserAndPasswordOverTheUrl() {
        MockEnvironment environment = process(new MockEnvironment()
                .withProperty("POSTGRES_URL", "postgresql://url_user:url_pass@db/audit")
                .withProperty("POSTGRES_USER", "env_user")
                .withProperty("POSTGRES_PASSWORD", "env_pass"));

        assertThat(environment.getProperty("spring.datasource.url")).isEqualTo("jdbc:postgresql://db/audit");
        assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("env_user");
        assertThat(environment.getProperty("spring.datasource.password")).isEqualTo("env_pass");
    }

    @Test
    void shouldTakeCredentialsFromEnvironmentForAJdbcUrl() {
        MockEnvironment environment = process(new MockEnvironment()
                .withProperty("POSTGRES_URL", "jdbc:postgresql://db/audit")
                .withProperty("POSTGRES_USER", "env_user")
                .withProperty("POSTGRES_PASSWORD", "env_pass"));

        assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("env_user");
        assertThat(environment.getProperty("spring.datasource.password")).isEqualTo("env_pass");
    }

    @Test
    void shouldKeepMultipleHostsAndIpv6Addresses() {
        assertThat(PostgresUrlEnvironmentPostProcessor.parse("postgresql://u:p@[::1]:5432,replica:5432/audit").jdbcUrl())
                .isEqualTo("jdbc:postgresql://[::1]:5432,replica:5432/audit");
    }

    @Test
    void shouldRejectAnotherDatabaseScheme() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> process(new MockEnvironment().withProperty("POSTGRES_URL", "mysql://db/audit")))
                .withMessageContaining("POSTGRES_URL");
    }
}
