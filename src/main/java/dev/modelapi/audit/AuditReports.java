package dev.modelapi.audit;

import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.sanitize.InputFlag;
import dev.modelapi.securityevents.Reason;
import dev.modelapi.securityevents.SecurityEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.Body;
import org.apache.camel.Header;

/**
 * The compliance views of the audit trail ({@code auditor} role), around the {@code sql:} queries of
 * routes/audit-api.camel.yaml: {@link #query} checks a request's filters and turns them into the
 * queries' named parameters; {@link #events}, {@link #report} and {@link #csv} shape the rows the
 * queries returned. Filters: {@code from} and {@code to} (ISO instants or dates; the last 24 hours
 * by default), {@code model} (a name: rows whose ensemble had it), {@code label},
 * {@code principal}, {@code channel} and {@code flag}; a filter not given is null, which the
 * queries read as "any".
 */
public class AuditReports {

    static final int MAX_PAGE_SIZE = 1000;
    /** An offset past Java's +-18:00 (RFC 3339 allows up to 23:59): the date-time, the sign, hours and minutes. */
    private static final java.util.regex.Pattern LARGE_OFFSET =
            java.util.regex.Pattern.compile("(.+T[0-9:.]+)([+-])(1[89]|2[0-3]):([0-5][0-9])");
    /** The channels a request can come in on, as audit rows name them. */
    static final List<String> CHANNELS = List.of("http", "grpc", "jms", "kafka", "folder", "shadow");
    static final List<String> FLAGS = java.util.Arrays.stream(InputFlag.values()).map(InputFlag::wireName).toList();
    /** The columns of an event, in the order of the CSV export (the queries select them in this order). */
    static final List<String> COLUMNS = List.of("created_at", "request_id", "item_index", "channel",
            "principal", "models", "label", "score", "degraded", "failed_models", "cached", "batch_size",
            "latency_ms", "flags", "pii", "input_sha256", "input_length", "idempotency_key", "input_text");
    /** The columns of a security event, in the order of its CSV export (the queries select them in this order). */
    static final List<String> SECURITY_COLUMNS = List.of("created_at", "event_id", "kind", "reason", "outcome",
            "status", "channel", "principal", "source", "key_id", "target", "request_id", "detail");

    private final int exportMaxRows;
    private final AuditCipher cipher;
    private final CsvMapper csv = new CsvMapper();

    AuditReports(int exportMaxRows, AuditCipher cipher) {
        this.exportMaxRows = exportMaxRows;
        this.cipher = cipher;
    }

    /**
     * The {@code audit-report-query} step (and the start of the others): the request's filters,
     * checked (a 400 for one that cannot match anything meaningful), as the named parameters of
     * the audit queries: {@code from}, {@code to}, {@code model} and {@code flag} (LIKE patterns),
     * {@code label}, {@code principal}, {@code channel}.
     */
    public Map<String, Object> query(@Header("from") String from, @Header("to") String to, @Header("model") String model,
            @Header("label") String label, @Header("principal") String principal, @Header("channel") String channel,
            @Header("flag") String flag) {
        requireText(model, "model");
        requireText(label, "label");
        if (given(flag) && !FLAGS.contains(flag.strip())) {
            throw InvalidRequestException.badRequest("invalid_query", "flag must be one of " + FLAGS);
        }
        Map<String, Object> query = shared(from, to, principal, channel);
        // models is "name:version,name:version": match a whole name; flags "a,b": a whole flag
        query.put("model", given(model) ? "%," + model.strip() + ":%" : null);
        query.put("label", given(label) ? label.strip() : null);
        query.put("flag", given(flag) ? "%," + flag.strip() + ",%" : null);
        return query;
    }

    /** The filters every view has, checked: the window, the principal and the channel. */
    private static Map<String, Object> shared(String from, String to, String principal, String channel) {
        Instant end = to == null || to.isBlank() ? Instant.now() : instant(to, "to");
        Instant start = from == null || from.isBlank() ? end.minus(Duration.ofDays(1)) : instant(from, "from");
        // a window whose start is not before its end holds nothing: an empty answer, not an error
        requireText(principal, "principal");
        if (given(channel) && !CHANNELS.contains(channel.strip())) {
            throw InvalidRequestException.badRequest("invalid_query", "channel must be one of " + CHANNELS);
        }
        Map<String, Object> query = new HashMap<>();
        query.put("from", OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
        query.put("to", OffsetDateTime.ofInstant(end, ZoneOffset.UTC));
        query.put("principal", given(principal) ? principal.strip() : null);
        query.put("channel", given(channel) ? channel.strip() : null);
        return query;
    }

    /** The {@code audit-events-query} step: the filters, and the page asked for ({@code page} from 0, {@code size}). */
    public Map<String, Object> page(@Header("from") String from, @Header("to") String to, @Header("model") String model,
            @Header("label") String label, @Header("principal") String principal, @Header("channel") String channel,
            @Header("flag") String flag, @Header("page") String page, @Header("size") String size) {
        return paged(query(from, to, model, label, principal, channel, flag), page, size);
    }

    private static Map<String, Object> paged(Map<String, Object> query, String page, String size) {
        int pageNumber = number(page, "page", 0, 0, Integer.MAX_VALUE);
        int pageSize = number(size, "size", 50, 1, MAX_PAGE_SIZE);
        query.put("page", pageNumber);
        query.put("limit", pageSize);
        query.put("offset", (long) pageNumber * pageSize);
        return query;
    }

    /** The {@code audit-export-query} step: the filters, and at most {@code export-max-rows} rows. */
    public Map<String, Object> export(@Header("from") String from, @Header("to") String to, @Header("model") String model,
            @Header("label") String label, @Header("principal") String principal, @Header("channel") String channel,
            @Header("flag") String flag) {
        Map<String, Object> query = query(from, to, model, label, principal, channel, flag);
        query.put("limit", exportMaxRows);
        return query;
    }

    /**
     * The {@code audit-security-query} step: the filters of the security event views, checked, as
     * the named parameters of their queries: {@code from}, {@code to}, {@code kind} and
     * {@code reason} (wire names), {@code principal}, {@code source}, {@code channel}.
     */
    public Map<String, Object> securityQuery(@Header("from") String from, @Header("to") String to,
            @Header("kind") String kind, @Header("reason") String reason, @Header("principal") String principal,
            @Header("source") String source, @Header("channel") String channel) {
        requireText(source, "source");
        if (given(kind) && !Reason.kinds().contains(kind.strip())) {
            throw InvalidRequestException.badRequest("invalid_query", "kind must be one of " + Reason.kinds());
        }
        if (given(reason) && !Reason.wireNames().contains(reason.strip())) {
            throw InvalidRequestException.badRequest("invalid_query", "reason must be one of " + Reason.wireNames());
        }
        Map<String, Object> query = shared(from, to, principal, channel);
        query.put("kind", given(kind) ? kind.strip() : null);
        query.put("reason", given(reason) ? reason.strip() : null);
        query.put("source", given(source) ? source.strip() : null);
        return query;
    }

    /** The {@code audit-security-events-query} step: the security filters and a page. */
    public Map<String, Object> securityPage(@Header("from") String from, @Header("to") String to,
            @Header("kind") String kind, @Header("reason") String reason, @Header("principal") String principal,
            @Header("source") String source, @Header("channel") String channel, @Header("page") String page,
            @Header("size") String size) {
        return paged(securityQuery(from, to, kind, reason, principal, source, channel), page, size);
    }

    /** The {@code audit-security-export-query} step: the security filters, at most {@code export-max-rows} events. */
    public Map<String, Object> securityExport(@Header("from") String from, @Header("to") String to,
            @Header("kind") String kind, @Header("reason") String reason, @Header("principal") String principal,
            @Header("source") String source, @Header("channel") String channel) {
        Map<String, Object> query = securityQuery(from, to, kind, reason, principal, source, channel);
        query.put("limit", exportMaxRows);
        return query;
    }

    /** The {@code audit-security-events-answer} step ({@code GET /api/v1/audit/security-events}): newest first. */
    public AuditAnswers.SecurityEvents securityEvents(@Body Map<String, Object> query,
            @Header("auditTotal") Number total, @Header("auditRows") List<Map<String, Object>> rows) {
        List<SecurityEvent> events = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            events.add(new SecurityEvent((String) row.get("event_id"), Instant.parse((String) value(row.get("created_at"))),
                    (String) row.get("kind"), (String) row.get("reason"), (String) row.get("outcome"),
                    integer(row.get("status")), (String) row.get("channel"), (String) row.get("principal"),
                    (String) row.get("source"), (String) row.get("key_id"), (String) row.get("target"),
                    (String) row.get("request_id"), (String) row.get("detail")));
        }
        return new AuditAnswers.SecurityEvents(instantOf(query.get("from")).toString(),
                instantOf(query.get("to")).toString(), (Integer) query.get("page"), (Integer) query.get("limit"),
                total == null ? 0L : total.longValue(), events);
    }

    /** The {@code audit-security-export-answer} step ({@code GET /api/v1/audit/security-events.csv}): oldest first. */
    public String securityCsv(@Header("auditRows") List<Map<String, Object>> rows) {
        return csv(rows, SECURITY_COLUMNS);
    }

    /** The {@code audit-events-answer} step ({@code GET /api/v1/audit/events}): a page of rows, newest first. */
    public AuditAnswers.Events events(@Body Map<String, Object> query, @Header("auditTotal") Number total,
            @Header("auditRows") List<Map<String, Object>> rows) {
        List<AuditAnswers.Event> events = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            events.add(new AuditAnswers.Event((String) value(row.get("created_at")), (String) row.get("request_id"),
                    integer(row.get("item_index")), (String) row.get("channel"), (String) row.get("principal"),
                    (String) row.get("models"), (String) row.get("label"), ((Number) row.get("score")).doubleValue(),
                    Boolean.TRUE.equals(row.get("degraded")), (String) row.get("failed_models"),
                    Boolean.TRUE.equals(row.get("cached")), integer(row.get("batch_size")), number(row.get("latency_ms")),
                    (String) row.get("flags"), (String) row.get("pii"), (String) row.get("input_sha256"),
                    integer(row.get("input_length")), (String) row.get("idempotency_key"), text(row)));
        }
        return new AuditAnswers.Events(instantOf(query.get("from")).toString(), instantOf(query.get("to")).toString(),
                (Integer) query.get("page"), (Integer) query.get("limit"), total == null ? 0L : total.longValue(), events);
    }

    /**
     * The {@code audit-report-answer} step ({@code GET /api/v1/audit/report}): counts by label, model,
     * channel, principal, flag and PII kind; cache hit rate; degraded answers; latency percentiles.
     * A list column ({@code "a,b"}) counts each element, a model its name without the version.
     */
    public AuditAnswers.Report report(@Body Map<String, Object> query, @Header("auditTotals") Map<String, Object> totals,
            @Header("auditBuckets") List<Map<String, Object>> buckets,
            @Header("auditSecurity") List<Map<String, Object>> security) {
        long texts = number(totals.get("texts"));
        long cached = number(totals.get("cached"));
        Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
        for (String dimension : List.of("label", "model", "channel", "principal", "flag", "pii")) {
            counts.put(dimension, new TreeMap<>());
        }
        for (Map<String, Object> bucket : buckets) {
            String dimension = ((String) bucket.get("dimension")).strip();
            boolean list = List.of("model", "flag", "pii").contains(dimension);
            String value = (String) bucket.get("bucket");
            long n = number(bucket.get("n"));
            Map<String, Long> byValue = counts.get(dimension);
            if (value == null) {
                if (!list) {
                    byValue.merge("(none)", n, Long::sum);
                }
                continue;
            }
            for (String part : list ? value.split(",") : new String[] {value}) {
                String key = "model".equals(dimension) && part.contains(":") ? part.substring(0, part.indexOf(':')) : part;
                byValue.merge(key.strip(), n, Long::sum);
            }
        }
        return new AuditAnswers.Report(instantOf(query.get("from")).toString(), instantOf(query.get("to")).toString(),
                texts, texts == 0 ? 0.0 : (double) cached / texts, number(totals.get("degraded")),
                new AuditAnswers.Latency(decimal(totals.get("p50")), decimal(totals.get("p95"))),
                counts.get("label"), counts.get("model"), counts.get("channel"), counts.get("principal"),
                counts.get("flag"), counts.get("pii"), security(security == null ? List.of() : security));
    }

    /** The report's security section from its query's (dimension, bucket, n) rows. */
    private static AuditAnswers.Security security(List<Map<String, Object>> buckets) {
        Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
        for (String dimension : List.of("kind", "reason", "outcome", "principal", "source")) {
            counts.put(dimension, new TreeMap<>());
        }
        for (Map<String, Object> bucket : buckets) {
            String value = (String) bucket.get("bucket");
            counts.get(((String) bucket.get("dimension")).strip()).merge(value == null ? "(none)" : value.strip(),
                    number(bucket.get("n")), Long::sum);
        }
        long events = counts.get("kind").values().stream().mapToLong(Long::longValue).sum();
        return new AuditAnswers.Security(events, counts.get("kind"), counts.get("reason"), counts.get("outcome"),
                counts.get("principal"), counts.get("source"));
    }

    /** The {@code audit-export-answer} step ({@code GET /api/v1/audit/events.csv}): the rows as CSV, oldest first. */
    public String csv(@Header("auditRows") List<Map<String, Object>> rows) {
        for (Map<String, Object> row : rows) {
            row.put("input_text", text(row));
        }
        return csv(rows, COLUMNS);
    }

    /** A row's kept text, opened. */
    private String text(Map<String, Object> row) {
        return cipher.open((String) row.get("input_text"), (String) row.get("request_id"), integer(row.get("item_index")));
    }

    private String csv(List<Map<String, Object>> rows, List<String> columns) {
        List<List<String>> lines = new ArrayList<>(rows.size() + 1);
        lines.add(columns);
        for (Map<String, Object> row : rows) {
            List<String> line = new ArrayList<>(columns.size());
            for (String column : columns) {
                Object value = value(row.get(column));
                line.add(value == null ? "" : value.toString());
            }
            lines.add(line);
        }
        try {
            return csv.writer(CsvSchema.emptySchema()).writeValueAsString(lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A column's value as the API shows it: times as ISO instants. */
    private static Object value(Object value) {
        if (value instanceof OffsetDateTime time) {
            return time.toInstant().toString();
        }
        if (value instanceof Timestamp time) {
            return time.toInstant().toString();
        }
        return value;
    }

    private static Instant instantOf(Object time) {
        return ((OffsetDateTime) time).toInstant();
    }

    private static int integer(Object value) {
        return value == null ? 0 : ((Number) value).intValue();
    }

    private static Double decimal(Object value) {
        return value == null ? null : ((Number) value).doubleValue();
    }

    private static long number(Object value) {
        return value == null ? 0 : ((Number) value).longValue();
    }

    private static boolean given(String value) {
        return value != null && !value.isBlank();
    }

    /** A filter on free text: printable, as the audit stores it; a control character cannot match and is refused. */
    private static void requireText(String value, String name) {
        if (value != null && value.codePoints().anyMatch(Character::isISOControl)) {
            throw InvalidRequestException.badRequest("invalid_query", name + " must not hold control characters");
        }
    }

    /**
     * An RFC 3339 date-time (either case of T and Z; any offset RFC 3339 allows, up to 23:59,
     * which is more than Java's 18 hours) or a date, which starts at midnight UTC.
     */
    static Instant instant(String text, String name) {
        String upper = text.strip().toUpperCase(java.util.Locale.ROOT);
        java.util.regex.Matcher offset = LARGE_OFFSET.matcher(upper);
        try {
            if (offset.matches()) {
                long seconds = (Long.parseLong(offset.group(3)) * 60 + Long.parseLong(offset.group(4))) * 60;
                Instant local = Instant.parse(offset.group(1) + "Z");
                return "+".equals(offset.group(2)) ? local.minusSeconds(seconds) : local.plusSeconds(seconds);
            }
            return Instant.parse(upper);
        } catch (DateTimeParseException notInstant) {
            try {
                return LocalDate.parse(text.strip()).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notDate) {
                throw InvalidRequestException.badRequest("invalid_query",
                        name + " must be an ISO instant (2026-11-26T08:00:00Z) or a date (2026-11-26)");
            }
        }
    }

    private static int number(String text, String name, int fallback, int min, int max) {
        if (text == null) {
            return fallback; // absent; present but empty is no number
        }
        try {
            int value = Integer.parseInt(text.strip());
            if (value < min || value > max) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw InvalidRequestException.badRequest("invalid_query", name + " must be a whole number from " + min
                    + " to " + max);
        }
    }
}
