package dev.modelapi.audit;

import dev.modelapi.digest.Sha256;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.pipeline.PredictionTask;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One audit row: one answered text. The input itself is stored only when the text-storage policy
 * says so (redacted or raw); otherwise only its SHA-256 and length.
 *
 * @param requestId the request's id ({@code X-Request-ID} or generated)
 * @param itemIndex the text's position in its request (0 for a single prediction)
 * @param createdAt when the answer was given
 * @param channel where the request came from ({@code http}, {@code jms}, {@code file}, {@code kafka})
 * @param principal who asked, or {@code anonymous}
 * @param models the ensemble's models as {@code name:version}, comma-separated
 * @param inputSha256 hex SHA-256 of the normalised text
 * @param inputLength characters of the text as received
 * @param label the answer
 * @param score the answer's probability
 * @param cached whether the answer came from the cache (the models did not run for it)
 * @param batchSize the inference batch the text ran in, 0 when cached
 * @param latencyMs from receipt to answer
 * @param degraded whether some of the ensemble's models failed and the answer came from the others
 * @param failedModels the models that failed, as {@code name:version=reason}, comma-separated; null when none
 * @param idempotencyKey the client's {@code Idempotency-Key}, or null
 * @param flags malicious-input flags raised on the text, comma-separated; null when none
 * @param pii kinds of personal data found in the text, comma-separated; null when none
 * @param inputText the text as the policy keeps it (redacted or raw), or null (hash only)
 */
public record AuditRecord(String requestId, int itemIndex, Instant createdAt, String channel, String principal,
        String models, String inputSha256, int inputLength, String label, double score, boolean cached,
        int batchSize, long latencyMs, boolean degraded, String failedModels, String idempotencyKey, String flags,
        String pii, String inputText) {

    /** A row without the compliance fields. */
    public AuditRecord(String requestId, int itemIndex, Instant createdAt, String channel, String principal,
            String models, String inputSha256, int inputLength, String label, double score, boolean cached,
            int batchSize, long latencyMs, boolean degraded, String failedModels) {
        this(requestId, itemIndex, createdAt, channel, principal, models, inputSha256, inputLength, label, score,
                cached, batchSize, latencyMs, degraded, failedModels, null, null, null, null);
    }

    /** A row for an answer every model of the ensemble gave. */
    public AuditRecord(String requestId, int itemIndex, Instant createdAt, String channel, String principal,
            String models, String inputSha256, int inputLength, String label, double score, boolean cached,
            int batchSize, long latencyMs) {
        this(requestId, itemIndex, createdAt, channel, principal, models, inputSha256, inputLength, label, score,
                cached, batchSize, latencyMs, false, null);
    }

    /** The row of an answered text, the text itself kept as {@code storedText} (null: hash only). */
    public static AuditRecord of(PredictionTask task, String pii, String storedText) {
        return of(task, pii, storedText, sha256(task.text()));
    }

    /** As above, with the text's hex SHA-256 already computed. */
    static AuditRecord of(PredictionTask task, String pii, String storedText, String textSha256) {
        return new AuditRecord(task.requestId(), task.index(), Instant.now(), task.channel(), task.principal(),
                modelsOf(task), textSha256, task.inputLength(), task.result().label(), task.result().score(),
                task.cached(), task.batchSize(), task.latencyMs(), task.result().degraded(), failedModels(task),
                task.idempotencyKey(), flagsOf(task), pii, storedText);
    }

    // the two columns below are built for every row, cache hits included: a plain loop, not a
    // stream and its lambdas (docs/performance.md)
    private static String modelsOf(PredictionTask task) {
        StringBuilder models = new StringBuilder(64);
        for (ModelVote vote : task.result().models()) {
            if (!models.isEmpty()) {
                models.append(',');
            }
            models.append(vote.name()).append(':').append(vote.version());
        }
        return models.toString();
    }

    private static String flagsOf(PredictionTask task) {
        Set<String> flags = task.flags();
        return flags.isEmpty() ? null : String.join(",", flags);
    }

    /** The row of an answered text, with the text kept as a hash only. */
    public static AuditRecord of(PredictionTask task) {
        return of(task, null, null);
    }

    private static String failedModels(PredictionTask task) {
        if (task.result().failed().isEmpty()) {
            return null;
        }
        return task.result().failed().stream().map(f -> f.name() + ":" + f.version() + "=" + f.reason())
                .collect(Collectors.joining(","));
    }

    static String sha256(String text) {
        return Sha256.hex(text);
    }
}
