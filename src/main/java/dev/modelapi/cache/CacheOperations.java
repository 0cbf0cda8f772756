package dev.modelapi.cache;

import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.ModelRef;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.model.ModelRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cache.Cache;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * The prediction cache's operations for operators ({@code /api/v1/cache}, routes/cache.camel.yaml):
 * its statistics, and flushing it whole, by model or by model version. Caffeine is walked in
 * memory; Redis is walked with {@code SCAN} over the service's key prefix (never {@code KEYS}), so a
 * flush by model reads each answer once to see which models gave it. Every flush is logged with
 * who asked for it.
 */
public class CacheOperations {

    private static final Logger log = LoggerFactory.getLogger(CacheOperations.class);

    private final PredictionCache cache;
    private final Store store;
    private final MeterRegistry meters;
    private final CacheProperties settings;
    private final Predicate<String> knownModel;

    /** @param knownModel whether the model repository knows a model name: flushing an unknown one is a 404 (a typo) */
    CacheOperations(PredictionCache cache, Store store, CacheProperties settings, MeterRegistry meters,
            Predicate<String> knownModel) {
        this.knownModel = knownModel;
        this.cache = cache;
        this.store = store;
        this.settings = settings;
        this.meters = meters;
    }

    /**
     * {@code GET /api/v1/cache}.
     *
     * @param backend {@code caffeine} (this instance's memory) or {@code redis} (shared by every instance)
     * @param entries answers held now (Redis: every instance's)
     * @param hits lookups answered from the cache by this instance since it started
     * @param misses lookups that went to the models
     * @param hitRatio hits over lookups, 0 before the first
     * @param evictions answers dropped for room or age (Caffeine); Redis: the server's evicted and expired keys, all of them
     * @param inFlight distinct texts whose inference is running now (identical texts wait on it)
     * @param ttlSeconds how long an answer is kept
     * @param models per model version that answered on this instance: its lookups' hits and misses and,
     *     with Caffeine, the answers it is part of
     */
    public record Statistics(String backend, long entries, long hits, long misses, double hitRatio, long evictions,
            long inFlight, long ttlSeconds, List<ModelStatistics> models) {
    }

    /** @param entries answers held that this version took part in; -1 where the backend cannot tell cheaply (Redis) */
    public record ModelStatistics(String model, String version, long hits, long misses, long entries) {
    }

    /** What a flush removed: {@code scope} is {@code all}, {@code model:<name>} or {@code model:<name>:<version>}. */
    public record Flushed(String scope, long removed) {
    }

    public Statistics statistics() {
        long hits = cache.hits();
        long misses = cache.misses();
        Map<ModelRef, Long> entriesByModel = store.entriesByModel();
        List<ModelStatistics> models = new ArrayList<>();
        cache.lookupsByModel().forEach((model, counts) -> models.add(new ModelStatistics(model.name(), model.version(),
                counts[0], counts[1], entriesByModel == null ? -1 : entriesByModel.getOrDefault(model, 0L))));
        Gauge inFlight = meters.find("modelapi.cache.inflight").gauge();
        return new Statistics(store.name(), store.entries(), hits, misses,
                hits + misses == 0 ? 0 : (double) hits / (hits + misses), store.evictions(),
                inFlight == null ? 0 : (long) inFlight.value(), settings.ttl().toSeconds(), models);
    }

    /** {@code DELETE /api/v1/cache[/models/{name}[/versions/{version}]]}: what is gone, and how much. */
    public Flushed flush(String model, String version, String principal) {
        if (model == null && version != null) {
            throw InvalidRequestException.badRequest("invalid_request", "a version is flushed with its model");
        }
        if (version != null && !ModelRegistry.isSafeName(version)) {
            throw InvalidRequestException.badRequest("invalid_version",
                    "a version is 1 to 128 letters, digits or . _ -, starting with a letter or digit");
        }
        if (model != null && !knownModel.test(model)) {
            throw new InvalidRequestException(404, "model_not_found", "no model " + model + " in the repository");
        }
        return remove(model, version, principal);
    }

    /**
     * The {@code model-unload-forget} step of routes/models.camel.yaml: an unloaded version's answers
     * go with it (all its versions' without a version). The answer the route gives stays its own.
     */
    public void forget(String model, String version, String principal) {
        remove(model, version == null || version.isBlank() ? null : version, principal);
    }

    private Flushed remove(String model, String version, String principal) {
        String scope = model == null ? "all" : "model:" + model + (version == null ? "" : ":" + version);
        long removed = model == null ? store.clear() : store.removeIf(answeredBy(model, version));
        log.info("Prediction cache flushed by {}: {} ({} answers removed)", principal == null ? "anonymous" : principal,
                scope, removed);
        return new Flushed(scope, removed);
    }

    static Predicate<EnsembleResult> answeredBy(String model, String version) {
        return result -> result.models().stream().anyMatch(vote -> vote.name().equals(model)
                && (version == null || vote.version().equals(version)))
                || result.failed().stream().anyMatch(failed -> failed.name().equals(model)
                && (version == null || failed.version().equals(version)));
    }

    /** The backend under Spring's cache abstraction, for what the abstraction cannot do. */
    interface Store {
        String name();

        long entries();

        long evictions();

        /** Entries per model version, or null where that would mean reading every answer. */
        Map<ModelRef, Long> entriesByModel();

        long removeIf(Predicate<EnsembleResult> involved);

        long clear();
    }

    /** Caffeine, this instance's memory. */
    static Store caffeine(Cache answers) {
        @SuppressWarnings("unchecked")
        com.github.benmanes.caffeine.cache.Cache<Object, Object> map =
                (com.github.benmanes.caffeine.cache.Cache<Object, Object>) answers.getNativeCache();
        return new Store() {
            @Override
            public String name() {
                return "caffeine";
            }

            @Override
            public long entries() {
                map.cleanUp();
                return map.estimatedSize();
            }

            @Override
            public long evictions() {
                return map.stats().evictionCount();
            }

            @Override
            public Map<ModelRef, Long> entriesByModel() {
                Map<ModelRef, Long> counts = new TreeMap<>(java.util.Comparator.comparing(ModelRef::toString));
                for (Object value : map.asMap().values()) {
                    if (value instanceof EnsembleResult result) {
                        for (ModelVote vote : result.models()) {
                            counts.merge(new ModelRef(vote.name(), vote.version()), 1L, Long::sum);
                        }
                    }
                }
                return counts;
            }

            @Override
            public long removeIf(Predicate<EnsembleResult> involved) {
                long[] removed = {0};
                map.asMap().values().removeIf(value -> {
                    boolean match = value instanceof EnsembleResult result && involved.test(result);
                    removed[0] += match ? 1 : 0;
                    return match;
                });
                return removed[0];
            }

            @Override
            public long clear() {
                long size = entries();
                map.invalidateAll();
                return size;
            }
        };
    }

    /** Redis, shared by the instances: walked with SCAN over the service's prediction keys only. */
    static Store redis(RedisConnectionFactory connections, String prefix, RedisSerializer<EnsembleResult> values) {
        byte[] pattern = (prefix + "*").getBytes(StandardCharsets.UTF_8);
        return new Store() {
            @Override
            public String name() {
                return "redis";
            }

            @Override
            public long entries() {
                return scan((connection, key) -> true);
            }

            @Override
            public long evictions() {
                try (RedisConnection connection = connections.getConnection()) {
                    Properties stats = connection.serverCommands().info("stats");
                    return stats == null ? 0 : number(stats, "evicted_keys") + number(stats, "expired_keys");
                }
            }

            @Override
            public Map<ModelRef, Long> entriesByModel() {
                return null;
            }

            @Override
            public long removeIf(Predicate<EnsembleResult> involved) {
                return scan((connection, key) -> {
                    byte[] value = connection.stringCommands().get(key);
                    EnsembleResult result = value == null ? null : values.deserialize(value);
                    return result != null && involved.test(result) && delete(connection, key);
                });
            }

            @Override
            public long clear() {
                return scan(CacheOperations::delete);
            }

            /** Visits every prediction key; counts those the visitor returns true for. */
            private long scan(java.util.function.BiPredicate<RedisConnection, byte[]> visitor) {
                long counted = 0;
                try (RedisConnection connection = connections.getConnection();
                        Cursor<byte[]> keys = connection.keyCommands().scan(ScanOptions.scanOptions().match(pattern)
                                .count(1000).build())) {
                    while (keys.hasNext()) {
                        if (visitor.test(connection, keys.next())) {
                            counted++;
                        }
                    }
                }
                return counted;
            }
        };
    }

    private static boolean delete(RedisConnection connection, byte[] key) {
        Long deleted = connection.keyCommands().del(key);
        return deleted != null && deleted > 0;
    }

    private static long number(Properties info, String name) {
        try {
            return Long.parseLong(info.getProperty(name, "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
