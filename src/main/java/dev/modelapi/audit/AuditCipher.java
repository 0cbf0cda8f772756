package dev.modelapi.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Seals the texts audit rows keep (text storage {@code redacted} or {@code raw}) with AES-256-GCM,
 * one random 96-bit nonce per row, the row's request id and item as associated data (a sealed text
 * moved to another row does not open). A sealed text reads
 * {@code enc:v1:<key id>:<base64url(nonce, ciphertext and tag)>}, so keys rotate: new rows use the
 * active key, old rows open with the key they name. Rows, the on-disk spool and the archive hold only
 * sealed texts: a text is sealed when its row is made.
 *
 * <p>At start-up ({@link #checkKeys}) each key proves itself against the {@code audit_encryption_key}
 * table (a value sealed with it when first used), and a key id the table knows must be configured:
 * a wrong or missing key stops the service instead of writing rows no one can read, or plain text.
 */
public final class AuditCipher {

    static final String PREFIX = "enc:v1:";
    private static final Logger log = LoggerFactory.getLogger(AuditCipher.class);
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String CHECK_TEXT = "model-api audit encryption key check";
    private static final String CHECK_ROW = "audit_encryption_key";

    private final Map<String, SecretKey> keys;
    private final String activeKey;
    private final boolean keepsTexts;
    private final SecureRandom random = new SecureRandom();

    private AuditCipher(Map<String, SecretKey> keys, String activeKey, boolean keepsTexts) {
        this.keys = keys;
        this.activeKey = activeKey;
        this.keepsTexts = keepsTexts;
    }

    /** No keys: texts are not kept (text storage {@code hash}); a sealed text found on reading says its key is missing. */
    static AuditCipher none() {
        return new AuditCipher(Map.of(), null, false);
    }

    /**
     * The keys of the settings, checked: each decodes to 32 bytes, ids are plain names, and a text
     * storage that keeps texts has an active key.
     *
     * @throws IllegalStateException saying what to set, for a start-up failure that names the setting
     */
    static AuditCipher of(AuditEncryptionProperties settings, AuditRecords.TextStorage storage) {
        Map<String, String> encoded = new TreeMap<>(settings.keys());
        if (settings.keyDirectory() != null && !settings.keyDirectory().toString().isEmpty()) {
            encoded.putAll(readDirectory(settings.keyDirectory()));
        }
        Map<String, SecretKey> keys = new TreeMap<>();
        encoded.forEach((id, value) -> keys.put(checkId(id), decode(id, value)));
        String active = settings.activeKey() != null && !settings.activeKey().isBlank() ? settings.activeKey().strip()
                : keys.size() == 1 ? keys.keySet().iterator().next() : null;
        if (storage != AuditRecords.TextStorage.HASH) {
            if (keys.isEmpty()) {
                throw new IllegalStateException("modelapi.audit.text-storage=" + storage.name().toLowerCase()
                        + " keeps texts, which are encrypted at rest: set modelapi.audit.encryption.key-directory"
                        + " (a mounted Secret, one file per key id) or modelapi.audit.encryption.keys.<id>"
                        + " (32 random bytes, base64: openssl rand -base64 32)");
            }
            if (active == null) {
                throw new IllegalStateException("modelapi.audit.encryption.active-key must name the key new rows use,"
                        + " one of " + keys.keySet());
            }
        }
        if (active != null && !keys.containsKey(active)) {
            throw new IllegalStateException("modelapi.audit.encryption.active-key is " + active + ", which is not among"
                    + " the keys " + keys.keySet());
        }
        return new AuditCipher(Map.copyOf(keys), active, storage != AuditRecords.TextStorage.HASH);
    }

    /** Whether new texts can be sealed. */
    boolean sealing() {
        return activeKey != null;
    }

    /** The text sealed under the active key for the row {@code requestId}/{@code itemIndex}. */
    String seal(String text, String requestId, int itemIndex) {
        if (activeKey == null) {
            throw new IllegalStateException("no active audit encryption key: a text cannot be kept");
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKey), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated(requestId, itemIndex));
            byte[] sealed = cipher.doFinal(text.getBytes(StandardCharsets.UTF_8));
            byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return PREFIX + activeKey + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * A stored text as it was given: a sealed one opened with the key it names; one stored before
     * encryption existed (no {@code enc:} prefix) as it is; null as null.
     *
     * A text sealed with a key that is not configured (an instance that keeps no texts, whose
     * operator let the old keys go) reads as {@code [sealed with key <id>, which is not configured]}.
     *
     * @throws IllegalStateException when the text does not open with its key (a wrong key, or a
     *     sealed text altered or moved to another row)
     */
    String open(String stored, String requestId, int itemIndex) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            return stored;
        }
        int colon = stored.indexOf(':', PREFIX.length());
        if (colon < 0) {
            throw new IllegalStateException("audit row " + requestId + "/" + itemIndex + ": sealed text has no key id");
        }
        String id = stored.substring(PREFIX.length(), colon);
        SecretKey key = keys.get(id);
        if (key == null) {
            return "[sealed with key " + id + ", which is not configured]";
        }
        try {
            byte[] in = Base64.getUrlDecoder().decode(stored.substring(colon + 1));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(associated(requestId, itemIndex));
            return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("audit row " + requestId + "/" + itemIndex + " does not open with key " + id
                    + " (a wrong key, or a text altered or moved)", e);
        }
    }

    /**
     * Each configured key against the {@code audit_encryption_key} table: a key the table knows
     * must open its check value (else it is not the key rows under its id were sealed with); a key
     * it does not know is recorded. An instance that keeps texts must also have every key the table
     * knows, since its auditors read rows sealed with them; one that keeps none (text storage
     * {@code hash}) needs no key.
     */
    void checkKeys(JdbcTemplate jdbc) {
        Map<String, String> known = new TreeMap<>();
        jdbc.query("SELECT key_id, check_value FROM audit_encryption_key",
                rs -> {
                    known.put(rs.getString("key_id"), rs.getString("check_value"));
                });
        for (Map.Entry<String, String> entry : known.entrySet()) {
            if (!keys.containsKey(entry.getKey())) {
                if (!keepsTexts) {
                    continue;
                }
                throw new IllegalStateException("audit rows may be sealed with key " + entry.getKey()
                        + ", which is not configured (modelapi.audit.encryption): configure it, or once no row needs"
                        + " it any more, DELETE FROM audit_encryption_key WHERE key_id = '" + entry.getKey() + "'");
            }
            String opened;
            try {
                opened = open(entry.getValue(), CHECK_ROW, 0);
            } catch (IllegalStateException e) {
                opened = null;
            }
            if (!CHECK_TEXT.equals(opened)) {
                throw new IllegalStateException("modelapi.audit.encryption key " + entry.getKey() + " is not the key"
                        + " that rows under that id were sealed with");
            }
        }
        for (String id : keys.keySet()) {
            if (!known.containsKey(id)) {
                jdbc.update("INSERT INTO audit_encryption_key (key_id, check_value) VALUES (?, ?)", id,
                        sealWith(id, CHECK_TEXT));
                log.info("Audit encryption key {} recorded", id);
            }
        }
        if (activeKey != null) {
            log.info("Audit texts are sealed with AES-256-GCM under key {} ({} keys configured)", activeKey, keys.size());
        }
    }

    private String sealWith(String id, String text) {
        return new AuditCipher(keys, id, keepsTexts).seal(text, CHECK_ROW, 0);
    }

    private static byte[] associated(String requestId, int itemIndex) {
        return (requestId + "/" + itemIndex).getBytes(StandardCharsets.UTF_8);
    }

    private static String checkId(String id) {
        if (!KEY_ID.matcher(id).matches()) {
            throw new IllegalStateException("audit encryption key id " + id + " must be 1 to 32 letters, digits or . _ -");
        }
        return id;
    }

    private static SecretKey decode(String id, String value) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("audit encryption key " + id + " is not base64");
        }
        if (bytes.length != 32) {
            throw new IllegalStateException("audit encryption key " + id + " is " + bytes.length
                    + " bytes; AES-256 needs 32 (openssl rand -base64 32)");
        }
        return new SecretKeySpec(bytes, "AES");
    }

    /** Every regular file of the directory, named like a key id (a Secret's volume also holds ..data links). */
    private static Map<String, String> readDirectory(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalStateException("modelapi.audit.encryption.key-directory " + directory + " is not a directory");
        }
        Map<String, String> keys = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> list = files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
            for (Path file : list) {
                if (Files.isRegularFile(file)) {
                    keys.put(file.getFileName().toString(), Files.readString(file, StandardCharsets.US_ASCII));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("modelapi.audit.encryption.key-directory " + directory + " is not readable", e);
        }
        return keys;
    }
}
