package dev.modelapi.pipeline;

import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * One text on its way through the pipeline: the body of the exchange from ingress to answer.
 * Each step fills in its part (the sanitizer the text, the cache the key, the batcher the
 * result), so a step removed from the YAML leaves its fields at their defaults.
 */
public final class PredictionTask {

    /**
     * The principal of the service's own start-up warm-up requests (no key may have this name):
     * their answers are not cached and leave no audit row (the in-memory audit database writes them
     * to compile its writer and deletes them before readiness).
     */
    public static final String WARM_UP_PRINCIPAL = "warm-up";

    /**
     * The principal of the cache warming's requests (a new default version answering the texts
     * asked most of late): their answers are cached, but they are not audited nor counted as lookups.
     */
    public static final String CACHE_WARMING_PRINCIPAL = "cache-warming";

    private final String requestId;
    private final int index;
    private final String channel;
    private final String principal;
    private final long receivedNanos;
    private EnsembleSpec ensemble;
    private String idempotencyKey;
    private final Set<String> flags = new TreeSet<>();

    private String text;
    private int inputLength;
    private int charactersRemoved;
    private String cacheKey;
    private volatile CompletableFuture<BatchOutcome> pending;
    private volatile boolean sharesInference;
    private EnsembleResult result;
    private boolean cached;
    private int batchSize;
    private long latencyMs;

    public PredictionTask(String requestId, int index, String channel, String principal, String text,
            EnsembleSpec ensemble, long receivedNanos) {
        this.requestId = requestId;
        this.index = index;
        this.channel = channel;
        this.principal = principal;
        this.text = text;
        this.inputLength = text.length();
        this.ensemble = ensemble;
        this.receivedNanos = receivedNanos;
    }

    /** What the batcher hands back for one text: the answer and the size of the batch it ran in. */
    public record BatchOutcome(EnsembleResult result, int batchSize) {
    }

    public String requestId() {
        return requestId;
    }

    /** Position of the text in its request: 0 for a single prediction. */
    public int index() {
        return index;
    }

    public String channel() {
        return channel;
    }

    public String principal() {
        return principal;
    }

    /** Whether the text is one of the service's own start-up warm-up texts, not a caller's. */
    public boolean warmUp() {
        return WARM_UP_PRINCIPAL.equals(principal);
    }

    /** Whether the text is the cache warming's, not a caller's. */
    public boolean cacheWarming() {
        return CACHE_WARMING_PRINCIPAL.equals(principal);
    }

    /** Whether a caller asked for this text (not the start-up warm-up, not the cache warming). */
    public boolean fromCaller() {
        return !warmUp() && !cacheWarming();
    }

    public long receivedNanos() {
        return receivedNanos;
    }

    /** The client's {@code Idempotency-Key}: a retry with the same key is audited once. */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    public void idempotencyKey(String key) {
        this.idempotencyKey = key;
    }

    /** Malicious-input flags raised on the text by the sanitize step (wire names, sorted). */
    public Set<String> flags() {
        return Collections.unmodifiableSet(flags);
    }

    public void flag(String flag) {
        flags.add(flag);
    }

    public EnsembleSpec ensemble() {
        return ensemble;
    }

    /** Sends the text to other model versions (a traffic split); only before the cache lookup. */
    public void route(EnsembleSpec other) {
        if (cacheKey != null || pending != null) {
            throw new IllegalStateException("the ensemble is fixed once the cache key is computed");
        }
        this.ensemble = other;
    }

    /** The text as the models see it: normalised once the sanitizer has run. */
    public String text() {
        return text;
    }

    /** Length of the text as received, in characters. */
    public int inputLength() {
        return inputLength;
    }

    public int charactersRemoved() {
        return charactersRemoved;
    }

    public void sanitized(String normalized, int removed) {
        this.text = normalized;
        this.charactersRemoved = removed;
    }

    public String cacheKey() {
        return cacheKey;
    }

    public void cacheKey(String key) {
        this.cacheKey = key;
    }

    /** The inference this text waits for: its own, or an identical text's already running. */
    public CompletableFuture<BatchOutcome> pending() {
        return pending;
    }

    /** This task's own inference: the batcher completes this future. */
    public void pending(CompletableFuture<BatchOutcome> future) {
        this.pending = future;
        this.sharesInference = false;
    }

    /** An identical text's inference is already running: this task waits for its answer instead. */
    public void shareInference(CompletableFuture<BatchOutcome> future) {
        this.pending = future;
        this.sharesInference = true;
    }

    public boolean sharesInference() {
        return sharesInference;
    }

    public EnsembleResult result() {
        return result;
    }

    public boolean answered() {
        return result != null;
    }

    /** Whether the models ran for this text: false for a cache hit or an answer shared with an identical text. */
    public boolean cached() {
        return cached;
    }

    public int batchSize() {
        return batchSize;
    }

    public void answer(EnsembleResult result, boolean cached, int batchSize) {
        this.result = result;
        this.cached = cached;
        this.batchSize = cached ? 0 : batchSize;
        this.latencyMs = (System.nanoTime() - receivedNanos) / 1_000_000;
    }

    public long latencyMs() {
        return latencyMs;
    }
}
