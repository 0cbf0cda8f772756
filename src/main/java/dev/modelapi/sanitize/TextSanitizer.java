package dev.modelapi.sanitize;

import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.securityevents.Reason;
import dev.modelapi.securityevents.SecurityEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The {@code sanitize} step: models and the cache key see one canonical form of a text. Refuses
 * oversized and empty texts; inspects the text as received for signs of evasion (invisible or
 * bidirectional control characters, mixed-script homoglyphs, repetition, very long tokens, binary
 * content) and flags or refuses it by policy (a refusal is a security event); applies Unicode NFKC, and strips control characters
 * (but tab, line feed and carriage return) and invisible format characters, counting what it removed.
 */
@Component("textSanitizer")
public class TextSanitizer {

    private final long maxTextBytes;
    private final Counter removedCharacters;
    private final Counter refused;
    private final SanitizeProperties properties;
    private final InputInspector inspector;
    private final MeterRegistry meters;
    private final SecurityEvents events;

    public TextSanitizer(SanitizeProperties properties, MeterRegistry meters, SecurityEvents events) {
        this.properties = properties;
        this.meters = meters;
        this.events = events;
        this.inspector = new InputInspector(properties.maxRepeatedCharacters(), properties.maxTokenLength(),
                properties.maxBinaryShare());
        this.maxTextBytes = properties.maxTextSize().toBytes();
        this.removedCharacters = Counter.builder("modelapi.sanitize.removed.characters")
                .description("Control and invisible format characters stripped from texts")
                .register(meters);
        this.refused = Counter.builder("modelapi.sanitize.refused")
                .description("Texts refused as too large or empty")
                .register(meters);
    }

    public void sanitize(PredictionTask task) {
        String text = task.text();
        long bytes = utf8Length(text);
        if (bytes > maxTextBytes) {
            refused.increment();
            throw InvalidRequestException.badRequest("text_too_large",
                    "text " + task.index() + " is " + bytes + " bytes; the limit is " + maxTextBytes);
        }
        inspect(task, text);
        // a text that is already clean comes out as the same string: no copy made (most texts are)
        String normalized = Normalizer.isNormalized(text, Normalizer.Form.NFKC) ? text
                : Normalizer.normalize(text, Normalizer.Form.NFKC);
        int removed = 0;
        String kept = normalized;
        int first = firstStripped(normalized);
        if (first >= 0) {
            StringBuilder keeping = new StringBuilder(normalized.length());
            keeping.append(normalized, 0, first);
            for (int i = first; i < normalized.length(); ) {
                int codePoint = normalized.codePointAt(i);
                i += Character.charCount(codePoint);
                if (isStripped(codePoint)) {
                    removed++;
                } else {
                    keeping.appendCodePoint(codePoint);
                }
            }
            kept = keeping.toString();
        }
        String clean = kept.strip();
        if (clean.isEmpty()) {
            refused.increment();
            throw InvalidRequestException.badRequest("empty_text",
                    "text " + task.index() + " is empty once control and invisible characters are removed");
        }
        removedCharacters.increment(removed);
        task.sanitized(clean, removed);
    }

    /** Where the first code point to strip begins, or -1. */
    private static int firstStripped(String text) {
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            if (isStripped(codePoint)) {
                return i;
            }
            i += Character.charCount(codePoint);
        }
        return -1;
    }

    /**
     * The length of {@code text.getBytes(UTF_8)} without making the bytes: 1 to 4 bytes a code
     * point, and 1 for a lone surrogate, which the encoder replaces with {@code '?'}.
     */
    static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0, length = text.length(); i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Flags the task, or refuses it, for what the inspector finds in the text as received. */
    private void inspect(PredictionTask task, String text) {
        List<String> rejected = new ArrayList<>();
        for (InputFlag flag : inspector.inspect(text)) {
            SanitizeProperties.Policy policy = properties.policyOf(flag);
            Counter.builder("modelapi.sanitize.flags").description("Suspicious input found, by flag and policy applied")
                    .tags("flag", flag.wireName(), "policy", policy.name().toLowerCase(java.util.Locale.ROOT))
                    .register(meters).increment();
            switch (policy) {
                case REJECT -> rejected.add(flag.wireName());
                case FLAG -> task.flag(flag.wireName());
                case ALLOW -> { }
            }
        }
        if (!rejected.isEmpty()) {
            refused.increment();
            String message = "text " + task.index() + " was refused: " + String.join(", ", rejected);
            events.refused(Reason.REJECTED_INPUT, 400, task.channel(), task.principal(), null, null, null,
                    task.requestId(), message);
            throw InvalidRequestException.badRequest("rejected_input", message);
        }
    }

    static boolean isStripped(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL -> codePoint != '\t' && codePoint != '\n' && codePoint != '\r';
            case Character.FORMAT -> true; // zero-width space/joiners, BOM, bidi controls, soft hyphen
            default -> false;
        };
    }
}
