package dev.modelapi.audit;

import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.sanitize.InputFlag;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.Header;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The compliance views of the audit trail ({@code auditor} role): events page by page with
 * filters, a report of counts, cache hit rate and latency percentiles for a time window, and a
 * CSV export. Filters: {@code from} and {@code to} (ISO instants or dates; the last 24 hours by
 * default), {@code model} (a name: rows whose ensemble had it), {@code label}, {@code principal},
 * {@code channel} and {@code flag}.
 */
public class AuditReports {

    static final int MAX_PAGE_SIZE = 1000;
    /** An offset past Java's +-18:00 (RFC 3339 allows up to 23:59): the date-time, the sign, hours and minutes. */
    private static final java.util.regex.Pattern LARGE_OFFSET =
            java.util.regex.Pattern.compile("(.+T[0-9:.]+)([+-])(1[89]|2[0-3]):([0-5][0-9])");
    /** The channels a request can come in on, as audit rows name them. */
    static final List<String> CHANNELS = List.of("http", "grpc", "jms", "kafka", "folder", "shadow");
    static final List<String> FLAGS = java.util.Arrays.stream(InputFlag.values()).map(InputFlag::wireName).toList();
    private static final List<String> CSV_COLUMNS = List.of("created_at", "request_id", "item_index", "channel",
            "principal", "models", "label", "score", "degraded", "failed_models", "cached", "batch_size",
            "latency_ms", "flags", "pii", "input_sha256", "input_length", "idempotency_key", "input_text");

    private final JdbcTemplate jdbc;
    private final int exportMaxRows;
    private final CsvMapper csv = new CsvMapper();

    AuditReports(JdbcTemplate jdbc, int exportMaxRows) {
        this.jdbc = jdbc;
        this.exportMaxRows = exportMaxRows;
    }

    /** A window and filters, as SQL. */
    record Filter(Instant from, Instant to, String where, List<Object> arguments) {
    }

    static Filter filter(String from, String to, String model, String label, String principal, String channel,
            String flag) {
        Instant end = to == null || to.isBlank() ? Instant.now() : instant(to, "to");
        Instant start = from == null || from.isBlank() ? end.minus(Duration.ofDays(1)) : instant(from, "from");
        // a window whose start is not before its end holds nothing: an empty answer, not an error
        requireText(model, "model");
        requireText(label, "label");
        requireText(principal, "principal");
        if (channel != null && !channel.isBlank() && !CHANNELS.contains(channel.strip())) {
            throw InvalidRequestException.badRequest("invalid_query", "channel must be one of " + CHANNELS);
        }
        if (flag != null && !flag.isBlank() && !FLAGS.contains(flag.strip())) {
            throw InvalidRequestException.badRequest("invalid_query", "flag must be one of " + FLAGS);
        }
        StringBuilder where = new StringBuilder("created_at >= ? AND created_at < ?");
        List<Object> arguments = new ArrayList<>(List.of(Timestamp.from(start), Timestamp.from(end)));
        if (model != null && !model.isBlank()) {
            // models is "name:version,name:version": match a whole name
            where.append(" AND (',' || models) LIKE ?");
            arguments.add("%," + model.strip() + ":%");
        }
        equal(where, arguments, "label", label);
        equal(where, arguments, "principal", principal);
        equal(where, arguments, "channel", channel);
        if (flag != null && !flag.isBlank()) {
            where.append(" AND (',' || flags || ',') LIKE ?");
            arguments.add("%," + flag.strip() + ",%");
        }
        return new Filter(start, end, where.toString(), arguments);
    }

    /** {@code GET /api/v1/audit/events}: newest first. */
    public Map<String, Object> events(@Header("from") String from, @Header("to") String to, @Header("model") String model,
            @Header("label") String label, @Header("principal") String principal, @Header("channel") String channel,
            @Header("flag") String flag, @Header("page") String page, @Header("size") String size) {
        Filter filter = filter(from, to, model, label, principal, channel, flag);
        int pageNumber = number(page, "page", 0, 0, Integer.MAX_VALUE);
        int pageSize = number(size, "size", 50, 1, MAX_PAGE_SIZE);
        Long total = jdbc.queryForObject("SELECT COUNT(*) FROM prediction_audit WHERE " + filter.where(), Long.class,
                filter.arguments().toArray());
        List<Object> arguments = new ArrayList<>(filter.arguments());
        arguments.add(pageSize);
        arguments.add((long) pageNumber * pageSize);
        List<Map<String, Object>> events = jdbc.query("SELECT " + String.join(", ", CSV_COLUMNS)
                + " FROM prediction_audit WHERE " + filter.where() + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                (rs, n) -> {
                    Map<String, Object> event = new LinkedHashMap<>();
                    for (String column : CSV_COLUMNS) {
                        Object value = rs.getObject(column);
                        event.put(camel(column), value instanceof java.time.OffsetDateTime t ? t.toInstant().toString()
                                : value instanceof Timestamp t ? t.toInstant().toString() : value);
                    }
                    return event;
                }, arguments.toArray());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("from", filter.from().toString());
        answer.put("to", filter.to().toString());
        answer.put("page", pageNumber);
        answer.put("size", pageSize);
        answer.put("total", total == null ? 0 : total);
        answer.put("events", events);
        return answer;
    }

    /** {@code GET /api/v1/audit/report}: counts by label, model, channel, principal and flag; cache hits; latency. */
    public Map<String, Object> report(@Header("from") String from, @Header("to") String to, @Header("model") String model,
            @Header("label") String label, @Header("principal") String principal, @Header("channel") String channel,
            @Header("flag") String flag) {
        Filter filter = filter(from, to, model, label, principal, channel, flag);
        Object[] arguments = filter.arguments().toArray();
        Map<String, Object> totals = jdbc.queryForMap("""
                SELECT COUNT(*) AS texts,
                    SUM(CASE WHEN cached THEN 1 ELSE 0 END) AS cached,
                    SUM(CASE WHEN degraded THEN 1 ELSE 0 END) AS degraded,
                    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
                FROM prediction_audit WHERE\s""" + filter.where(), arguments);
        long texts = ((Number) totals.get("texts")).longValue();
        long cached = totals.get("cached") == null ? 0 : ((Number) totals.get("cached")).longValue();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("from", filter.from().toString());
        report.put("to", filter.to().toString());
        report.put("texts", texts);
        report.put("cacheHitRate", texts == 0 ? 0.0 : (double) cached / texts);
        report.put("degraded", totals.get("degraded") == null ? 0 : ((Number) totals.get("degraded")).longValue());
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", totals.get("p50") == null ? null : ((Number) totals.get("p50")).doubleValue());
        latency.put("p95", totals.get("p95") == null ? null : ((Number) totals.get("p95")).doubleValue());
        report.put("latencyMs", latency);
        report.put("byLabel", countBy("label", filter, false, false));
        report.put("byModel", countBy("models", filter, true, true));
        report.put("byChannel", countBy("channel", filter, false, false));
        report.put("byPrincipal", countBy("principal", filter, false, false));
        report.put("byFlag", countBy("flags", filter, true, false));
        report.put("byPii", countBy("pii", filter, true, false));
        return report;
    }

    /** {@code GET /api/v1/audit/events.csv}: every row of the window and filters, up to the export limit. */
    public String csv(@Header("from") String from, @Header("to") String to, @Header("model") String model,
            @Header("label") String label, @Header("principal") String principal, @Header("channel") String channel,
            @Header("flag") String flag) {
        Filter filter = filter(from, to, model, label, principal, channel, flag);
        List<Object> arguments = new ArrayList<>(filter.arguments());
        arguments.add(exportMaxRows);
        List<List<String>> rows = new ArrayList<>();
        rows.add(CSV_COLUMNS);
        jdbc.query("SELECT " + String.join(", ", CSV_COLUMNS) + " FROM prediction_audit WHERE " + filter.where()
                + " ORDER BY created_at, id LIMIT ?", rs -> {
                    List<String> row = new ArrayList<>(CSV_COLUMNS.size());
                    for (String column : CSV_COLUMNS) {
                        Object value = rs.getObject(column);
                        row.add(value == null ? "" : value instanceof java.time.OffsetDateTime t ? t.toInstant().toString()
                                : value instanceof Timestamp t ? t.toInstant().toString() : value.toString());
                    }
                    rows.add(row);
                }, arguments.toArray());
        try {
            return csv.writer(CsvSchema.emptySchema()).writeValueAsString(rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts per value of a column; a list column ("a,b") counts each element, a model its name without version. */
    private Map<String, Long> countBy(String column, Filter filter, boolean list, boolean stripVersion) {
        Map<String, Long> counts = new TreeMap<>();
        // "bucket", not "value": VALUE is a keyword of H2 2, the default database
        jdbc.query("SELECT " + column + " AS bucket, COUNT(*) AS n FROM prediction_audit WHERE " + filter.where()
                + " GROUP BY " + column, rs -> {
                    String value = rs.getString("bucket");
                    long n = rs.getLong("n");
                    if (value == null) {
                        if (!list) {
                            counts.merge("(none)", n, Long::sum);
                        }
                        return;
                    }
                    for (String part : list ? value.split(",") : new String[] {value}) {
                        String key = stripVersion && part.contains(":") ? part.substring(0, part.indexOf(':')) : part;
                        counts.merge(key.strip(), n, Long::sum);
                    }
                }, filter.arguments().toArray());
        return counts;
    }

    private static void equal(StringBuilder where, List<Object> arguments, String column, String value) {
        if (value != null && !value.isBlank()) {
            where.append(" AND ").append(column).append(" = ?");
            arguments.add(value.strip());
        }
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

    private static String camel(String column) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : column.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
