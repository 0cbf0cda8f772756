package dev.modelapi.traffic;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The traffic policies ({@code modelapi.traffic.*}) that {@code routes/traffic.camel.yaml} reads as
 * placeholders; checked at start-up so a malformed weight list fails there, not per request.
 *
 * @param split the A/B split of a model's default-version requests between its versions
 * @param shadow the model that classifies a copy of every answered request
 */
@Validated
@ConfigurationProperties("modelapi.traffic")
record TrafficProperties(@Valid @NotNull @DefaultValue Split split, @Valid @NotNull @DefaultValue Shadow shadow) {

    /**
     * @param model the model whose traffic is split; empty: off
     * @param weights {@code version=weight} pairs, for example {@code 1=90,2=10}
     */
    public record Split(
            @NotNull @DefaultValue("") String model,
            @NotNull @Pattern(regexp = "|\\s*[A-Za-z0-9._-]+\\s*=\\s*\\d+(\\.\\d+)?\\s*(,\\s*[A-Za-z0-9._-]+\\s*=\\s*\\d+(\\.\\d+)?\\s*)*",
                    message = "must be version=weight pairs separated by commas, e.g. 1=90,2=10")
            @DefaultValue("") String weights) {
    }

    /** @param model {@code name} or {@code name:version}; empty: off */
    public record Shadow(@NotNull @DefaultValue("") String model) {
    }
}
