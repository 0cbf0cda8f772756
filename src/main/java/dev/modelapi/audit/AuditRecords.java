package dev.modelapi.audit;

import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pii.PiiDetector;
import dev.modelapi.pii.PiiType;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code audit-record} step: an answered text becomes its audit row, with the kinds of
 * personal data found in it and the text itself as {@code modelapi.audit.text-storage} allows:
 * {@code hash} (the default: SHA-256 and length only), {@code redacted} (personal data replaced by
 * {@code [EMAIL]}, {@code [PAYMENT_CARD]}, ...) or {@code raw}. The kinds found in a text are
 * remembered by the text's SHA-256 (a bounded cache): a text asked again, as a cache hit is, is
 * not scanned again, which was the largest cost of a cached answer.
 */
public class AuditRecords {

    /** How much of the text an audit row keeps. */
    public enum TextStorage { HASH, REDACTED, RAW }

    /** Texts whose PII kinds are remembered; an entry is a hash and a few words. */
    static final int KNOWN_TEXTS = 10_000;

    /** No kinds found, as a cache value (Caffeine holds no nulls). */
    private static final String NONE = "";

    private final PiiDetector pii;
    private final TextStorage storage;
    private final Cache<String, String> kindsBySha256;

    AuditRecords(PiiDetector pii, TextStorage storage, MeterRegistry meters) {
        this.pii = pii;
        this.storage = storage;
        this.kindsBySha256 = Caffeine.newBuilder().maximumSize(KNOWN_TEXTS).recordStats().build();
        CaffeineCacheMetrics.monitor(meters, kindsBySha256, "audit-pii-kinds");
    }

    public AuditRecord of(PredictionTask task) {
        String sha256 = AuditRecord.sha256(task.text());
        String known = kindsBySha256.get(sha256, key -> kindsOf(task.text()));
        String kinds = known.isEmpty() ? null : known;
        String text = switch (storage) {
            case HASH -> null;
            case REDACTED -> pii.redact(task.text());
            case RAW -> task.text();
        };
        return AuditRecord.of(task, kinds, text, sha256);
    }

    private String kindsOf(String text) {
        Set<PiiType> found = pii.types(text);
        return found.isEmpty() ? NONE : found.stream().map(PiiType::wireName).sorted().collect(Collectors.joining(","));
    }
}
