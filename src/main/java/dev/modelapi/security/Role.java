package dev.modelapi.security;

import java.util.Locale;

/** What a key may do: ask for predictions, manage models, read the audit. */
public enum Role {
    PREDICT, ADMIN, AUDITOR;

    public static Role parse(String text) {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
