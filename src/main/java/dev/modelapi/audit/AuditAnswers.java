package dev.modelapi.audit;

import dev.modelapi.securityevents.SecurityEvent;
import java.util.List;
import java.util.Map;

/** The answers of the audit API, as records (rendered as JSON by the HTTP routes). */
public final class AuditAnswers {

    private AuditAnswers() {
    }

    /**
     * {@code GET /api/v1/audit/events}: a page of rows, newest first.
     *
     * @param total rows in the window and filters, on every page
     */
    public record Events(String from, String to, int page, int size, long total, List<Event> events) {
    }

    /** One audit row as the API shows it: the columns of {@code prediction_audit}, named in camel case. */
    public record Event(String createdAt, String requestId, int itemIndex, String channel, String principal,
            String models, String label, double score, boolean degraded, String failedModels, boolean cached,
            int batchSize, long latencyMs, String flags, String pii, String inputSha256, int inputLength,
            String idempotencyKey, String inputText) {
    }

    /**
     * {@code GET /api/v1/audit/report}: counts, cache hit rate, degraded answers and latency for a
     * window; a list column counts each element, a model its name without the version.
     */
    public record Report(String from, String to, long texts, double cacheHitRate, long degraded, Latency latencyMs,
            Map<String, Long> byLabel, Map<String, Long> byModel, Map<String, Long> byChannel,
            Map<String, Long> byPrincipal, Map<String, Long> byFlag, Map<String, Long> byPii, Security security) {
    }

    /**
     * The report's security events in the same window (filtered by principal and channel only):
     * counts by kind, reason, outcome, principal ({@code (none)} for an unknown key) and source.
     */
    public record Security(long events, Map<String, Long> byKind, Map<String, Long> byReason,
            Map<String, Long> byOutcome, Map<String, Long> byPrincipal, Map<String, Long> bySource) {
    }

    /**
     * {@code GET /api/v1/audit/security-events}: a page of security events, newest first.
     *
     * @param total events in the window and filters, on every page
     */
    public record SecurityEvents(String from, String to, int page, int size, long total, List<SecurityEvent> events) {
    }

    /** Percentiles of the latency in milliseconds; null for an empty window. */
    public record Latency(Double p50, Double p95) {
    }
}
