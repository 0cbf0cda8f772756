package dev.modelapi.sanitize;

import dev.modelapi.pipeline.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import org.springframework.stereotype.Component;

/**
 * The {@code sanitize} step: models and the cache key see one canonical form of a text. Refuses
 * oversized and empty texts, applies Unicode NFKC, and strips control characters (but tab, line
 * feed and carriage return) and invisible format characters such as zero-width spaces and
 * bidirectional overrides, counting what it removed.
 */
@Component("textSanitizer")
public class TextSanitizer {

    private final long maxTextBytes;
    private final Counter removedCharacters;
    private final Counter refused;

    public TextSanitizer(SanitizeProperties properties, MeterRegistry meters) {
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
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxTextBytes) {
            refused.increment();
            throw InvalidRequestException.tooLarge("text_too_large",
                    "text " + task.index() + " is " + bytes + " bytes; the limit is " + maxTextBytes);
        }
        String normalized = Normalizer.normalize(text, Normalizer.Form.NFKC);
        StringBuilder kept = new StringBuilder(normalized.length());
        int removed = 0;
        for (int i = 0; i < normalized.length(); ) {
            int codePoint = normalized.codePointAt(i);
            i += Character.charCount(codePoint);
            if (isStripped(codePoint)) {
                removed++;
            } else {
                kept.appendCodePoint(codePoint);
            }
        }
        String clean = kept.toString().strip();
        if (clean.isEmpty()) {
            refused.increment();
            throw InvalidRequestException.badRequest("empty_text",
                    "text " + task.index() + " is empty once control and invisible characters are removed");
        }
        removedCharacters.increment(removed);
        task.sanitized(clean, removed);
    }

    static boolean isStripped(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL -> codePoint != '\t' && codePoint != '\n' && codePoint != '\r';
            case Character.FORMAT -> true; // zero-width space/joiners, BOM, bidi controls, soft hyphen
            default -> false;
        };
    }
}
