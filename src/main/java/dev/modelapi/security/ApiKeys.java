package dev.modelapi.security;

import dev.modelapi.digest.Sha256;
import dev.modelapi.pipeline.PredictionTask;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The keys the service accepts: those in configuration and those in the {@code api_keys} table,
 * both as SHA-256 hashes of the key (keys are long random tokens, so a fast hash is enough; the
 * key itself is never stored). Database keys are re-read every {@code database-refresh}, so a key
 * added or revoked there takes effect without a restart; while the database is down the last
 * keys read stay in force.
 */
@Component
class ApiKeys {

    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

    private final SecurityProperties settings;
    private final JdbcTemplate jdbc;
    private final Map<String, Caller> configured;
    /** Disabled keys' holders by the keys' hashes: a refusal of one is told apart from an unknown key. */
    private final Map<String, String> configuredDisabled;
    private volatile Map<String, Caller> fromDatabase = Map.of();
    private volatile Map<String, String> disabledInDatabase = Map.of();
    private volatile long readAtNanos;

    public ApiKeys(SecurityProperties settings, JdbcTemplate jdbc) {
        this.settings = settings;
        this.jdbc = jdbc;
        Map<String, Caller> keys = new HashMap<>();
        Map<String, String> disabled = new HashMap<>();
        for (SecurityProperties.Key key : settings.keys()) {
            if (key.enabled()) {
                keys.put(key.sha256().toLowerCase(Locale.ROOT), new Caller(key.name(), java.util.Set.copyOf(key.roles()),
                        key.models(), settings.limitFor(key.requestsPerSecond())));
            } else {
                disabled.put(key.sha256().toLowerCase(Locale.ROOT), key.name());
            }
        }
        this.configured = Map.copyOf(keys);
        this.configuredDisabled = Map.copyOf(disabled);
    }

    /** The holder of a key, if the key is known and enabled. */
    public Optional<Caller> find(String key) {
        String hash = sha256(key);
        Caller caller = configured.get(hash);
        if (caller != null) {
            return Optional.of(caller);
        }
        return Optional.ofNullable(databaseKeys().get(hash));
    }

    /** The holder of a key that is known but disabled, for the security event of its refusal. */
    public Optional<String> disabledHolder(String key) {
        String hash = sha256(key);
        String holder = configuredDisabled.get(hash);
        if (holder != null) {
            return Optional.of(holder);
        }
        databaseKeys();
        return Optional.ofNullable(disabledInDatabase.get(hash));
    }

    /** Hex SHA-256 of a key, as stored. */
    public static String sha256(String key) {
        return Sha256.hex(key);
    }

    private Map<String, Caller> databaseKeys() {
        if (System.nanoTime() - readAtNanos > settings.databaseRefresh().toNanos()) {
            synchronized (this) {
                if (System.nanoTime() - readAtNanos > settings.databaseRefresh().toNanos()) {
                    reload();
                }
            }
        }
        return fromDatabase;
    }

    /** Reads the table again now (tests and an operator's key change need not wait for the refresh). */
    public synchronized void reload() {
        try {
            Map<String, Caller> keys = new HashMap<>();
            Map<String, String> disabled = new HashMap<>();
            jdbc.query("SELECT name, key_sha256, roles, models, requests_per_second, enabled FROM api_keys",
                    rs -> {
                        if (!rs.getBoolean("enabled")) {
                            disabled.put(rs.getString("key_sha256").toLowerCase(Locale.ROOT), rs.getString("name"));
                            return;
                        }
                        if (PredictionTask.WARM_UP_PRINCIPAL.equals(rs.getString("name"))) {
                            log.warn("api_keys: the key named {} is ignored; the name is the service's own warm-up's",
                                    PredictionTask.WARM_UP_PRINCIPAL);
                            return;
                        }
                        keys.put(rs.getString("key_sha256").toLowerCase(Locale.ROOT), new Caller(rs.getString("name"),
                                java.util.Set.copyOf(split(rs.getString("roles")).stream().map(Role::parse).toList()),
                                split(rs.getString("models")), settings.limitFor(rs.getDouble("requests_per_second"))));
                    });
            fromDatabase = Map.copyOf(keys);
            disabledInDatabase = Map.copyOf(disabled);
        } catch (DataAccessException e) {
            log.warn("Could not read api_keys; the keys read before stay in force: {}", e.getMostSpecificCause().getMessage());
        }
        readAtNanos = System.nanoTime();
    }

    private static List<String> split(String text) {
        if (text == null || text.isBlank()) {
            return List.of("*");
        }
        return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
