package dev.modelapi.audit;

import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.pii.PiiDetector;
import dev.modelapi.pii.PiiType;
import dev.modelapi.securityevents.SecurityEvent;
import com.github.benmanes.caffeine.cache.Cache;
import dev.modelapi.bounded.BoundedMaps;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code audit-record} step: an answered text becomes its audit row, with the kinds of
 * personal data found in it and the text itself as {@code modelapi.audit.text-storage} allows:
 * {@code hash} (the default: SHA-256 and length only), {@code redacted} (personal data replaced by
 * {@code [EMAIL]}, {@code [PAYMENT_CARD]}, ...) or {@code raw}; a kept text is sealed at once
 * ({@link AuditCipher}), so the queue, the spool and the database never hold it in the clear. The kinds found in a text are
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
    private final AuditCipher cipher;
    private final Cache<String, String> kindsBySha256;

    static final String PII_KINDS_CACHE = "audit-pii-kinds";

    /** Runs for every row made, before it is queued (the writers' backlog check, {@link AuditWriters#rowQueued}). */
    private final Runnable beforeQueued;

    AuditRecords(PiiDetector pii, TextStorage storage, AuditCipher cipher, MeterRegistry meters) {
        this(pii, storage, cipher, meters, () -> { });
    }

    AuditRecords(PiiDetector pii, TextStorage storage, AuditCipher cipher, MeterRegistry meters, Runnable beforeQueued) {
        this.beforeQueued = beforeQueued;
        this.pii = pii;
        this.storage = storage;
        this.cipher = cipher;
        this.kindsBySha256 = BoundedMaps.upkeptByCaller().maximumSize(KNOWN_TEXTS).recordStats().build();
        // the tag keys of Spring's cache meters: Prometheus takes only one set of keys per name, and a
        // cache registered first with fewer kept the prediction cache's meters out of the scrape
        CaffeineCacheMetrics.monitor(meters, kindsBySha256, PII_KINDS_CACHE, "cache.manager", "audit",
                "name", PII_KINDS_CACHE);
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
        AuditRecord row = AuditRecord.of(task, kinds, text == null ? null : cipher.seal(text, task.requestId(), task.index()),
                sha256);
        beforeQueued.run();
        return row;
    }

    /** The {@code jms-audit} step: the rows of a request's answered texts. */
    public List<AuditRecord> answered(List<PredictionTask> tasks) {
        return tasks.stream().filter(PredictionTask::answered).map(this::of).toList();
    }

    /**
     * The {@code audit-columns} step: rows as the named parameters of the {@code audit-insert}
     * statement, one map per row (camel-sql's batch mode binds {@code :#requestId} from each).
     */
    public static List<Map<String, Object>> columns(List<AuditRecord> rows) {
        List<Map<String, Object>> columns = new ArrayList<>(rows.size());
        for (AuditRecord row : rows) {
            Map<String, Object> values = new HashMap<>(32);
            values.put("requestId", row.requestId());
            values.put("itemIndex", row.itemIndex());
            values.put("createdAt", OffsetDateTime.ofInstant(row.createdAt(), ZoneOffset.UTC));
            values.put("channel", row.channel());
            values.put("principal", row.principal());
            values.put("models", row.models());
            values.put("inputSha256", row.inputSha256());
            values.put("inputLength", row.inputLength());
            values.put("label", row.label());
            values.put("score", row.score());
            values.put("cached", row.cached());
            values.put("batchSize", row.batchSize());
            values.put("latencyMs", row.latencyMs());
            values.put("degraded", row.degraded());
            values.put("failedModels", row.failedModels());
            values.put("idempotencyKey", row.idempotencyKey());
            values.put("flags", row.flags());
            values.put("pii", row.pii());
            values.put("inputText", row.inputText());
            columns.add(values);
        }
        return columns;
    }

    /** The {@code security-event-columns} step: security events as the named parameters of their insert. */
    public static List<Map<String, Object>> securityEventColumns(List<SecurityEvent> events) {
        List<Map<String, Object>> columns = new ArrayList<>(events.size());
        for (SecurityEvent event : events) {
            Map<String, Object> values = new HashMap<>(20);
            values.put("eventId", event.eventId());
            values.put("createdAt", OffsetDateTime.ofInstant(event.createdAt(), ZoneOffset.UTC));
            values.put("kind", event.kind());
            values.put("reason", event.reason());
            values.put("outcome", event.outcome());
            values.put("status", event.status());
            values.put("channel", event.channel());
            values.put("principal", event.principal());
            values.put("source", event.source());
            values.put("keyId", event.keyId());
            values.put("target", event.target());
            values.put("requestId", event.requestId());
            values.put("detail", event.detail());
            columns.add(values);
        }
        return columns;
    }

    private String kindsOf(String text) {
        Set<PiiType> found = pii.types(text);
        return found.isEmpty() ? NONE : found.stream().map(PiiType::wireName).sorted().collect(Collectors.joining(","));
    }
}
