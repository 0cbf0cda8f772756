package dev.modelapi.pii;

import java.util.Objects;

/**
 * One piece of personal data in a text, as char offsets so that callers can cut or mask it
 * without searching again.
 *
 * @param start the index of the first char
 * @param end the index after the last char
 */
record PiiMatch(PiiType type, int start, int end) {

    public PiiMatch {
        Objects.requireNonNull(type, "type");
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("a match needs 0 <= start < end, was " + start + ".." + end);
        }
    }
}
