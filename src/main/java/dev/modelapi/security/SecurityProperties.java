package dev.modelapi.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Access control ({@code modelapi.security.*}).
 *
 * @param enabled whether HTTP requests need a key; off, every request is {@code anonymous} with every role
 * @param keys keys from configuration (more can live in the {@code api_keys} table)
 * @param requestsPerSecond the rate limit of a key that sets none (0: no limit)
 * @param healthNeedsKey whether {@code /actuator/health} needs a key (probes usually have none)
 * @param metricsNeedsKey whether the other actuator endpoints ({@code /actuator/prometheus}, ...) need an admin key
 * @param databaseRefresh how often keys are re-read from the database (a revoked key stops working within this)
 */
@Validated
@ConfigurationProperties("modelapi.security")
public record SecurityProperties(
        @DefaultValue("true") boolean enabled,
        @NotNull @DefaultValue({}) List<@Valid Key> keys,
        @PositiveOrZero @DefaultValue("50") double requestsPerSecond,
        @DefaultValue("false") boolean healthNeedsKey,
        @DefaultValue("false") boolean metricsNeedsKey,
        @NotNull @DefaultValue("30s") Duration databaseRefresh) {

    /**
     * A key from configuration.
     *
     * @param name who holds it: the audit's principal ({@code warm-up} is taken by the service's warm-up)
     * @param sha256 hex SHA-256 of the key (the key itself is never configured)
     * @param roles {@code predict}, {@code admin}, {@code auditor}
     * @param models the models it may ask for by name; {@code *} for all
     * @param requestsPerSecond its rate limit; 0 means the default
     * @param enabled a disabled key is refused (rotation: add the new one, then disable the old)
     */
    public record Key(
            @NotBlank @Pattern(regexp = "(?!warm-up$).*", message = "warm-up is the service's own start-up warm-up")
            String name,
            @NotNull @Pattern(regexp = "[0-9a-fA-F]{64}") String sha256,
            @NotEmpty List<Role> roles,
            @NotNull @DefaultValue("*") List<String> models,
            @PositiveOrZero @DefaultValue("0") double requestsPerSecond,
            @DefaultValue("true") boolean enabled) {
    }

    /** The default limit as a positive number, for keys that set none. */
    double limitFor(double keyLimit) {
        return keyLimit > 0 ? keyLimit : requestsPerSecond;
    }
}
