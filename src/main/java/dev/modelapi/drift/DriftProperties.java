package dev.modelapi.drift;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Drift detection ({@code modelapi.drift.*}).
 *
 * @param enabled off: answers are not watched (the {@code drift-observe} step does nothing)
 * @param window the recent answers compared with the reference, per model version and named ensemble
 * @param referenceTexts for a subject that ships no reference: its first answers that become one
 * @param minTexts answers the window must hold before an index is computed (fewer say little)
 * @param threshold the population stability index from which a subject is {@code drifting}
 *     (0.1 to 0.25 is commonly read as a moderate shift, above 0.25 as a significant one)
 * @param maxSubjects the most model versions and ensembles watched at once
 */
@Validated
@ConfigurationProperties("modelapi.drift")
public record DriftProperties(
        @DefaultValue("true") boolean enabled,
        @Min(10) @Max(1_000_000) @DefaultValue("1000") int window,
        @Min(10) @Max(1_000_000) @DefaultValue("1000") int referenceTexts,
        @Min(1) @DefaultValue("200") int minTexts,
        @DecimalMin("0.0") @DefaultValue("0.25") double threshold,
        @Min(1) @Max(10_000) @DefaultValue("256") int maxSubjects) {
}
