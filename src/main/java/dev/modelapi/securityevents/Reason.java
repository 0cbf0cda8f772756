package dev.modelapi.securityevents;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** What a security event is about, by kind; the wire name is the {@code reason} column. */
public enum Reason {

    // refused requests
    MISSING_KEY(Kind.REFUSED), UNKNOWN_KEY(Kind.REFUSED), DISABLED_KEY(Kind.REFUSED), ROLE(Kind.REFUSED),
    MODEL_NOT_ALLOWED(Kind.REFUSED), RATE_LIMITED(Kind.REFUSED), REJECTED_INPUT(Kind.REFUSED),
    // administrative commands
    MODEL_LOAD(Kind.COMMAND), MODEL_UNLOAD(Kind.COMMAND), MODEL_DEFAULT(Kind.COMMAND),
    MODEL_ROLLBACK(Kind.COMMAND), MODEL_COMMAND(Kind.COMMAND), CACHE_FLUSH(Kind.COMMAND),
    // many refusals from one source
    REFUSALS(Kind.BURST);

    /** The {@code kind} column. */
    public enum Kind {
        REFUSED, COMMAND, BURST;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;

    Reason(Kind kind) {
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every reason's wire name, for filters. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(Reason::wireName).toList();
    }

    /** Every kind's wire name, for filters. */
    public static List<String> kinds() {
        return Arrays.stream(Kind.values()).map(Kind::wireName).toList();
    }
}
