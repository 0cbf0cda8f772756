package dev.modelapi.sanitize;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Flags raw texts that look crafted rather than written. It must see the text as received:
 * normalisation and stripping erase exactly the characters it looks for. One pass, linear time.
 */
final class InputInspector {

    private static final int LATIN_BIT = 1;
    private static final int CYRILLIC_BIT = 1 << 1;
    private static final int GREEK_BIT = 1 << 2;
    private static final int ARMENIAN_BIT = 1 << 3;
    private static final int CHEROKEE_BIT = 1 << 4;

    private final int maxRepeatedCharacters;
    private final int maxTokenLength;
    private final double maxBinaryShare;

    /**
     * @param maxRepeatedCharacters the most times one non-whitespace code point may follow itself
     * @param maxTokenLength the most code points a run without whitespace may have
     * @param maxBinaryShare the largest share (0 to 1) of control and replacement characters
     */
    public InputInspector(int maxRepeatedCharacters, int maxTokenLength, double maxBinaryShare) {
        if (maxRepeatedCharacters < 1) {
            throw new IllegalArgumentException("maxRepeatedCharacters must be at least 1, was " + maxRepeatedCharacters);
        }
        if (maxTokenLength < 1) {
            throw new IllegalArgumentException("maxTokenLength must be at least 1, was " + maxTokenLength);
        }
        if (!(maxBinaryShare >= 0.0 && maxBinaryShare <= 1.0)) {
            throw new IllegalArgumentException("maxBinaryShare must be between 0 and 1, was " + maxBinaryShare);
        }
        this.maxRepeatedCharacters = maxRepeatedCharacters;
        this.maxTokenLength = maxTokenLength;
        this.maxBinaryShare = maxBinaryShare;
    }

    /** The flags the text raises; empty for clean text. */
    public Set<InputFlag> inspect(String rawText) {
        Objects.requireNonNull(rawText, "rawText");
        EnumSet<InputFlag> flags = EnumSet.noneOf(InputFlag.class);
        int codePoints = 0;
        int binary = 0;
        boolean nul = false;
        int previous = -1;
        int repeated = 0;
        int tokenLength = 0;
        int wordScripts = 0;
        for (int i = 0; i < rawText.length(); ) {
            int codePoint = rawText.codePointAt(i);
            i += Character.charCount(codePoint);
            codePoints++;
            // ASCII, most of most texts, skips the Unicode tables (they were the largest cost of a
            // cached answer in a profile): it has no format characters, marks or non-Latin letters.
            boolean ascii = codePoint < 0x80;
            int type = ascii ? Character.UNASSIGNED : Character.getType(codePoint);

            if (!ascii) {
                if (isBidiControl(codePoint)) {
                    flags.add(InputFlag.BIDI_CONTROL);
                } else if (type == Character.FORMAT || isInvisible(codePoint)) {
                    flags.add(InputFlag.INVISIBLE);
                }
            }

            if (codePoint == 0) {
                nul = true;
            }
            if (ascii ? isAsciiBinary(codePoint) : isBinary(codePoint, type)) {
                binary++;
            }

            boolean space = ascii ? isAsciiSpace(codePoint)
                    : Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
            if (space) {
                previous = -1;
                repeated = 0;
                tokenLength = 0;
            } else {
                repeated = codePoint == previous ? repeated + 1 : 1;
                previous = codePoint;
                if (repeated > maxRepeatedCharacters) {
                    flags.add(InputFlag.REPETITION);
                }
                if (++tokenLength > maxTokenLength) {
                    flags.add(InputFlag.LONG_TOKEN);
                }
            }

            if (ascii ? isAsciiLetter(codePoint) : Character.isLetter(codePoint)) {
                wordScripts |= ascii ? LATIN_BIT : confusableScript(codePoint);
                if (Integer.bitCount(wordScripts) > 1) {
                    flags.add(InputFlag.MIXED_SCRIPT);
                }
            } else if (ascii || !continuesWord(type)) {
                wordScripts = 0;
            }
        }
        if (nul || (codePoints > 0 && (double) binary / codePoints > maxBinaryShare)) {
            flags.add(InputFlag.BINARY);
        }
        return flags;
    }

    // The ASCII answers of Character.isWhitespace / isSpaceChar, getType == CONTROL, and isLetter.
    static boolean isAsciiSpace(int codePoint) {
        return codePoint == ' ' || (codePoint >= 0x09 && codePoint <= 0x0D) || (codePoint >= 0x1C && codePoint <= 0x1F);
    }

    static boolean isAsciiBinary(int codePoint) {
        return (codePoint < 0x20 || codePoint == 0x7F) && codePoint != '\t' && codePoint != '\n' && codePoint != '\r';
    }

    static boolean isAsciiLetter(int codePoint) {
        return (codePoint >= 'a' && codePoint <= 'z') || (codePoint >= 'A' && codePoint <= 'Z');
    }

    private static boolean isBidiControl(int codePoint) {
        return (codePoint >= 0x202A && codePoint <= 0x202E)
                || (codePoint >= 0x2066 && codePoint <= 0x2069)
                || codePoint == 0x200E || codePoint == 0x200F || codePoint == 0x061C;
    }

    // All of these are FORMAT in current Unicode; listed so that a JDK with other tables still flags them.
    private static boolean isInvisible(int codePoint) {
        return switch (codePoint) {
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x2061, 0x2062, 0x2063, 0x2064 -> true;
            default -> false;
        };
    }

    // Unpaired surrogates count too: no encoder can write them, so they only come from broken decoding.
    private static boolean isBinary(int codePoint, int type) {
        return switch (type) {
            case Character.CONTROL -> codePoint != '\t' && codePoint != '\n' && codePoint != '\r';
            case Character.SURROGATE -> true;
            default -> codePoint == 0xFFFD;
        };
    }

    private static int confusableScript(int codePoint) {
        return switch (Character.UnicodeScript.of(codePoint)) {
            case LATIN -> LATIN_BIT;
            case CYRILLIC -> CYRILLIC_BIT;
            case GREEK -> GREEK_BIT;
            case ARMENIAN -> ARMENIAN_BIT;
            case CHEROKEE -> CHEROKEE_BIT;
            default -> 0;
        };
    }

    // Combining marks and invisible format characters do not split a word on screen, so they must
    // not split it here either: "pay\u0301раl" or "pay\u200Bраl" would otherwise read as two clean words.
    private static boolean continuesWord(int type) {
        return type == Character.NON_SPACING_MARK
                || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK
                || type == Character.FORMAT;
    }
}
