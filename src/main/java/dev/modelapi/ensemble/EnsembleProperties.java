package dev.modelapi.ensemble;

import jakarta.validation.constraints.NotNull;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The ensemble a request gets when it names none ({@code modelapi.ensemble.*}).
 *
 * @param defaultModels models ({@code name} or {@code name:version}); empty means every loaded model
 * @param defaultMethod {@code soft}, {@code hard} or {@code weighted}
 * @param weights default weight per model name for weighted voting (1 when absent)
 */
@Validated
@ConfigurationProperties("modelapi.ensemble")
public record EnsembleProperties(
        @NotNull @DefaultValue({}) List<String> defaultModels,
        @NotNull @DefaultValue("soft") EnsembleMethod defaultMethod,
        @NotNull @DefaultValue({}) Map<String, Double> weights) {
}
