package dev.modelapi.audit;

import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.lang.Nullable;

/**
 * Encryption at rest of the texts the audit keeps ({@code modelapi.audit.encryption.*}), needed
 * whenever {@code modelapi.audit.text-storage} is {@code redacted} or {@code raw}.
 *
 * @param keyDirectory a directory of keys, one file per key: the file's name is the key id, its
 *     content the key (32 bytes, base64): a Kubernetes Secret mounted as a volume is one
 * @param keys keys by id (base64 of 32 bytes), e.g. {@code AUDIT_ENCRYPTION_KEYS_2026A}; added to
 *     those of the directory
 * @param activeKey the id of the key new rows are sealed with; may be left out when there is one key.
 *     Rotation: add the new key, make it active, keep the old one while rows sealed with it remain
 */
@ConfigurationProperties("modelapi.audit.encryption")
record AuditEncryptionProperties(
        @Nullable Path keyDirectory,
        @DefaultValue({}) Map<String, String> keys,
        @Nullable String activeKey) {
}
