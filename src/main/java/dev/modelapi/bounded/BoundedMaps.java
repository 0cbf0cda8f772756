package dev.modelapi.bounded;

import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Where every bounded in-memory map of the service starts: the in-flight texts, the prediction
 * cache and idempotent answers of the default run, the texts kept for cache warming, the audit's
 * PII kinds by text and the security events' refusals by source.
 *
 * <p>Caffeine by default hands its upkeep (eviction, expiry, draining its read and write buffers)
 * to the common fork-join pool after every write and whenever a read buffer fills, each hand-off
 * waking a pool thread: on the request path that was 1.4 % of an uncached run's CPU samples, two
 * hand-offs per text (docs/performance.md, stop 45). Maps from here run the upkeep on the thread
 * that wrote or read, under Caffeine's own try-lock (a thread that finds it held goes on without
 * waiting), so no thread is woken and a map's bound holds the moment a write returns.
 */
public final class BoundedMaps {

    private BoundedMaps() {
    }

    /** A Caffeine builder whose upkeep runs on the calling thread; add the bound and expiry. */
    public static Caffeine<Object, Object> upkeptByCaller() {
        return Caffeine.newBuilder().executor(Runnable::run);
    }
}
