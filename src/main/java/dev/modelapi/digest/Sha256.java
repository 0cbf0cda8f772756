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

    /**
     * A digest and a buffer per thread for {@link #hex(String)} and {@link #hexOf}, which every
     * request calls (cache key, audit hash): no digest looked up and no copy of the text made
     * per call.
     */
    private record Scratch(MessageDigest digest, byte[] buffer) {
    }

    private static final ThreadLocal<Scratch> PER_THREAD =
            ThreadLocal.withInitial(() -> new Scratch(digest(), new byte[1024]));

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
        Scratch scratch = started();
        update(scratch, text);
        return hex(scratch.digest().digest());
    }

    /** The hex SHA-256 of the texts' UTF-8 bytes, each after a 0 byte but the first: no two lists run together. */
    public static String hexOf(String first, String... more) {
        Scratch scratch = started();
        update(scratch, first);
        for (String text : more) {
            scratch.digest().update((byte) 0);
            update(scratch, text);
        }
        return hex(scratch.digest().digest());
    }

    /** The thread's digest, reset: a call that failed half-way (a null text) leaves nothing in it for the next. */
    private static Scratch started() {
        Scratch scratch = PER_THREAD.get();
        scratch.digest().reset();
        return scratch;
    }

    /** Feeds a text's UTF-8 bytes: ASCII through the thread's buffer, from the first other character on encoded. */
    private static void update(Scratch scratch, String text) {
        MessageDigest sha256 = scratch.digest();
        byte[] buffer = scratch.buffer();
        int filled = 0;
        for (int i = 0, length = text.length(); i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) { // the ASCII before it is its own UTF-8, and no surrogate pair is split
                sha256.update(buffer, 0, filled);
                sha256.update(text.substring(i).getBytes(StandardCharsets.UTF_8));
                return;
            }
            buffer[filled++] = (byte) c;
            if (filled == buffer.length) {
                sha256.update(buffer, 0, filled);
                filled = 0;
            }
        }
        sha256.update(buffer, 0, filled);
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
