package dev.modelapi.pii;

import java.util.Locale;

/** Kinds of personal data {@link PiiDetector} finds; the placeholder is what a redacted text shows instead. */
public enum PiiType {

    EMAIL,
    PHONE,
    PAYMENT_CARD,
    IBAN,
    US_SSN,
    IP_ADDRESS;

    /** The lower snake case name, for example {@code payment_card}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What replaces a match when redacting, for example {@code [PAYMENT_CARD]}. */
    public String placeholder() {
        return "[" + name() + "]";
    }
}
