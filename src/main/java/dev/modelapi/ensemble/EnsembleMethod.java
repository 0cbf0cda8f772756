package dev.modelapi.ensemble;

import java.util.Locale;

/** How the answers of an ensemble's models become one answer; see docs/ensembles.md. */
public enum EnsembleMethod {
    /** Mean of the models' probabilities; the label with the highest mean wins. */
    SOFT,
    /** Majority of the models' labels; a tie goes to the tied label with the highest mean probability. */
    HARD,
    /** Weighted mean of the models' probabilities, with a weight per model. */
    WEIGHTED;

    public static EnsembleMethod parse(String text) {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
