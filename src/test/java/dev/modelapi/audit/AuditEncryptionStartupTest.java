package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The audit feature as the service starts it, on an in-memory database of the test's own: keeping
 * texts without a key, or with a key that is not the one first used under its id, stops the start
 * with a message that names the setting; never plain text, never rows no one can read.
 */
class AuditEncryptionStartupTest {

    /** Starts it with {@code properties} as command-line arguments (over application.yaml, as an operator's would be). */
    static ConfigurableApplicationContext start(String database, String... properties) {
        String[] arguments = new String[properties.length + 1];
        arguments[0] = "--spring.datasource.url=jdbc:h2:mem:" + database
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
        for (int i = 0; i < properties.length; i++) {
            arguments[i + 1] = "--" + properties[i];
        }
        return new SpringApplicationBuilder(AuditTestApplication.class).web(WebApplicationType.NONE).run(arguments);
    }

    @Test
    void shouldNotStartKeepingTextsWithoutAKey() {
        assertThatThrownBy(() -> start("no-key-" + UUID.randomUUID(), "modelapi.audit.text-storage=raw").close())
                .rootCause().hasMessageContaining("modelapi.audit.text-storage=raw keeps texts, which are encrypted at rest")
                .hasMessageContaining("modelapi.audit.encryption.key-directory");
    }

    @Test
    void shouldNotStartWithAnotherKeyUnderAnIdAlreadyUsed() {
        String database = "rotation-" + UUID.randomUUID();
        try (ConfigurableApplicationContext first = start(database, "modelapi.audit.text-storage=redacted",
                "modelapi.audit.encryption.keys.k1=" + AuditCipherTest.newKey())) {
            assertThat(first.getBean(AuditCipher.class).sealing()).isTrue();
        }

        assertThatThrownBy(() -> start(database, "modelapi.audit.text-storage=redacted",
                "modelapi.audit.encryption.keys.k1=" + AuditCipherTest.newKey()).close())
                .rootCause().hasMessageContaining("key k1 is not the key that rows under that id were sealed with");
        assertThatThrownBy(() -> start(database, "modelapi.audit.text-storage=redacted",
                "modelapi.audit.encryption.keys.k2=" + AuditCipherTest.newKey()).close())
                .rootCause().hasMessageContaining("sealed with key k1, which is not configured");
    }
}
