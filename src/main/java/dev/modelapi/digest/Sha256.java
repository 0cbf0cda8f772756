package dev.modelapi.digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 as the service writes it everywhere (cache keys, audit text hashes, API key hashes,
 * model file checksums, folder checkpoints): lowercase hex. One place, so that two hashes of the
 * same thing always compare equal.
 */
public final class Sha256 {

    private Sha256() {
    }

    /** A new digest; every JVM has SHA-256. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The hex SHA-256 of a text's UTF-8 bytes. */
    public static String hex(String text) {
        return hex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The hex SHA-256 of the texts' UTF-8 bytes, each after a 0 byte but the first: no two lists run together. */
    public static String hexOf(String first, String... more) {
        MessageDigest sha256 = digest();
        sha256.update(first.getBytes(StandardCharsets.UTF_8));
        for (String text : more) {
            sha256.update((byte) 0);
            sha256.update(text.getBytes(StandardCharsets.UTF_8));
        }
        return hex(sha256.digest());
    }

    /** The hex SHA-256 of everything a stream holds (read to its end, not closed). */
    public static String hex(InputStream in) throws IOException {
        DigestInputStream digesting = new DigestInputStream(in, digest());
        digesting.transferTo(OutputStream.nullOutputStream());
        return hex(digesting.getMessageDigest().digest());
    }

    /** A finished digest as lowercase hex. */
    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
