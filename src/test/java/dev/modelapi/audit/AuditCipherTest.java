package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AES-256-GCM of kept audit texts: sealed per row, bound to it, keyed by id so keys rotate, refused when misconfigured. */
class AuditCipherTest {

    static final String TEXT = "Mail jane.doe@example.org, card 4111 1111 1111 1111";

    static String newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    static AuditCipher cipher(Map<String, String> keys, String active) {
        return AuditCipher.of(new AuditEncryptionProperties(null, keys, active), AuditRecords.TextStorage.RAW);
    }

    @Test
    void shouldSealEachRowsTextSoThatOnlyThatRowOpensIt() {
        AuditCipher cipher = cipher(Map.of("k1", newKey()), null);

        String sealed = cipher.seal(TEXT, "req-1", 0);
        String again = cipher.seal(TEXT, "req-1", 0);

        assertThat(sealed).startsWith("enc:v1:k1:").doesNotContain("jane").doesNotContain("4111");
        assertThat(again).as("a fresh nonce per seal").isNotEqualTo(sealed);
        assertThat(cipher.open(sealed, "req-1", 0)).isEqualTo(TEXT);
        assertThatThrownBy(() -> cipher.open(sealed, "req-1", 1)).as("moved to another row")
                .hasMessageContaining("does not open with key k1");
        char last = sealed.charAt(sealed.length() - 5);
        String altered = sealed.substring(0, sealed.length() - 5) + (last == 'A' ? 'B' : 'A') + sealed.substring(sealed.length() - 4);
        assertThatThrownBy(() -> cipher.open(altered, "req-1", 0)).hasMessageContaining("does not open");
        assertThat(cipher.open("stored before encryption", "req-1", 0)).isEqualTo("stored before encryption");
        assertThat(cipher.open(null, "req-1", 0)).isNull();
    }

    @Test
    void shouldOpenOldRowsWithTheirKeyAfterARotation() {
        String oldKey = newKey();
        String sealedBefore = cipher(Map.of("2026a", oldKey), null).seal(TEXT, "req-2", 3);

        AuditCipher rotated = cipher(Map.of("2026a", oldKey, "2026b", newKey()), "2026b");
        String sealedAfter = rotated.seal(TEXT, "req-3", 0);

        assertThat(sealedAfter).startsWith("enc:v1:2026b:");
        assertThat(rotated.open(sealedBefore, "req-2", 3)).isEqualTo(TEXT);
        assertThat(rotated.open(sealedAfter, "req-3", 0)).isEqualTo(TEXT);
        // the old key let go (an instance keeping no texts): its rows say so instead of failing the read
        AuditCipher hashOnly = AuditCipher.of(new AuditEncryptionProperties(null, Map.of(), null),
                AuditRecords.TextStorage.HASH);
        assertThat(hashOnly.open(sealedBefore, "req-2", 3)).isEqualTo("[sealed with key 2026a, which is not configured]");
    }

    @Test
    void shouldRefuseToStartWithoutAUsableKeyWhereTextsAreKept() {
        assertThatThrownBy(() -> cipher(Map.of(), null)).hasMessageContaining("modelapi.audit.text-storage=raw keeps texts")
                .hasMessageContaining("modelapi.audit.encryption.key-directory");
        assertThatThrownBy(() -> cipher(Map.of("short", Base64.getEncoder().encodeToString(new byte[16])), null))
                .hasMessageContaining("key short is 16 bytes; AES-256 needs 32");
        assertThatThrownBy(() -> cipher(Map.of("bad", "not base64 !"), null)).hasMessageContaining("key bad is not base64");
        assertThatThrownBy(() -> cipher(Map.of("a", newKey(), "b", newKey()), null))
                .hasMessageContaining("active-key must name the key new rows use");
        assertThatThrownBy(() -> cipher(Map.of("a", newKey()), "c")).hasMessageContaining("active-key is c");
        assertThatThrownBy(() -> cipher(Map.of("a/b", newKey()), null)).hasMessageContaining("key id a/b");
        // no key and no text kept: nothing to seal, and that is fine
        assertThat(AuditCipher.of(new AuditEncryptionProperties(null, Map.of(), null), AuditRecords.TextStorage.HASH)
                .sealing()).isFalse();
    }

    @Test
    void shouldReadKeysFromADirectoryAsAMountedSecretHoldsThem(@TempDir Path secret) throws Exception {
        String key = newKey();
        Files.writeString(secret.resolve("2026a"), key + "\n");
        Files.createDirectory(secret.resolve("..2026_12_01_10_00_00.123"));
        Files.writeString(secret.resolve("..data"), "not a key"); // the kubelet's own entries

        AuditCipher cipher = AuditCipher.of(new AuditEncryptionProperties(secret, Map.of(), null),
                AuditRecords.TextStorage.REDACTED);

        assertThat(cipher.seal(TEXT, "r", 0)).startsWith("enc:v1:2026a:");
        assertThat(cipher(Map.of("2026a", key), null).open(cipher.seal(TEXT, "r", 0), "r", 0)).isEqualTo(TEXT);
    }
}
