package dev.modelapi.sanitize;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@link InputInspector} found suspicious in a raw text. The wire name is what clients, logs
 * and configuration see, so it stays stable when a constant is renamed in Java.
 */
public enum InputFlag {

    /** Zero-width or other invisible format characters that hide text from a human reader. */
    INVISIBLE,
    /** Bidirectional controls that can make a text display differently from how it is read. */
    BIDI_CONTROL,
    /** One word mixing look-alike scripts (Latin, Cyrillic, Greek, Armenian, Cherokee): homoglyph spoofing. */
    MIXED_SCRIPT,
    /** One character repeated far more often in a row than writing does. */
    REPETITION,
    /** A run without whitespace longer than any word: padding, encoded payloads, token-budget attacks. */
    LONG_TOKEN,
    /** Control or replacement characters, or a NUL: bytes decoded as text rather than text. */
    BINARY;

    /** The lower snake case name, for example {@code bidi_control}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The flag with this wire name, ignoring case and accepting {@code -} for {@code _}.
     *
     * @throws IllegalArgumentException if no flag has that name
     */
    public static InputFlag parse(String wireName) {
        Objects.requireNonNull(wireName, "wireName");
        String key = wireName.strip().replace('-', '_').toLowerCase(Locale.ROOT);
        for (InputFlag flag : values()) {
            if (flag.wireName().equals(key)) {
                return flag;
            }
        }
        throw new IllegalArgumentException("unknown input flag '" + wireName + "'; expected one of "
                + Arrays.stream(values()).map(InputFlag::wireName).toList());
    }
}
