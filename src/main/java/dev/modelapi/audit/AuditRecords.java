package dev.modelapi.audit;

import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.sanitize.PiiDetector;
import dev.modelapi.sanitize.PiiType;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code audit-record} step: an answered text becomes its audit row, with the kinds of
 * personal data found in it and the text itself as {@code modelapi.audit.text-storage} allows:
 * {@code hash} (the default: SHA-256 and length only), {@code redacted} (personal data replaced by
 * {@code [EMAIL]}, {@code [PAYMENT_CARD]}, ...) or {@code raw}.
 */
public class AuditRecords {

    /** How much of the text an audit row keeps. */
    public enum TextStorage { HASH, REDACTED, RAW }

    private final PiiDetector pii;
    private final TextStorage storage;

    AuditRecords(PiiDetector pii, TextStorage storage) {
        this.pii = pii;
        this.storage = storage;
    }

    public AuditRecord of(PredictionTask task) {
        Set<PiiType> found = pii.types(task.text());
        String kinds = found.isEmpty() ? null
                : found.stream().map(PiiType::wireName).sorted().collect(Collectors.joining(","));
        String text = switch (storage) {
            case HASH -> null;
            case REDACTED -> pii.redact(task.text());
            case RAW -> task.text();
        };
        return AuditRecord.of(task, kinds, text);
    }
}
