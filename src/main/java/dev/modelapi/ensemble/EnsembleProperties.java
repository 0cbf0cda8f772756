package dev.modelapi.ensemble;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which ensemble a request gets, the named ensembles, and how each model call is guarded
 * ({@code modelapi.ensemble.*}; rules and examples in docs/ensembles.md).
 *
 * @param defaultEnsemble the named ensemble for a request that names neither models nor an
 *        ensemble; blank means the default models below
 * @param defaultModels models ({@code name} or {@code name:version}); empty means every loaded model
 * @param defaultMethod {@code soft}, {@code hard} or {@code weighted}
 * @param weights default weight per model name for weighted voting (1 when absent)
 * @param quorum how many models of an unnamed ensemble must answer (capped at its size)
 * @param named named ensembles, chosen with {@code "ensemble": "<name>"} in a request
 * @param modelCall the circuit breaker, time limit and bulkhead of every model call (read by the
 *        route template {@code model-call} in routes/ensemble.camel.yaml)
 */
@Validated
@ConfigurationProperties("modelapi.ensemble")
public record EnsembleProperties(
        @NotNull @DefaultValue("") String defaultEnsemble,
        @NotNull @DefaultValue({}) List<String> defaultModels,
        @NotNull @DefaultValue("soft") EnsembleMethod defaultMethod,
        @NotNull @DefaultValue({}) Map<String, Double> weights,
        @Min(1) @DefaultValue("1") int quorum,
        @NotNull @DefaultValue({}) Map<String, @Valid Named> named,
        @NotNull @Valid @DefaultValue ModelCall modelCall) {

    /**
     * A named ensemble.
     *
     * @param models its models, {@code name} or {@code name:version}
     * @param method its vote
     * @param weights weight per model name for weighted voting (1 when absent)
     * @param quorum how many of its models must answer; 0 means all of them
     */
    public record Named(
            @NotEmpty List<String> models,
            @NotNull @DefaultValue("soft") EnsembleMethod method,
            @NotNull @DefaultValue({}) Map<String, Double> weights,
            @Min(0) @DefaultValue("0") int quorum) {
    }

    /**
     * Guards around each model call, one set per model version (units in the names because
     * camel-resilience4j reads plain numbers).
     *
     * @param timeoutMillis a call that takes longer is given up and counts as a failure
     * @param maxConcurrentCalls calls one model version may have in progress (its bulkhead and pool size)
     * @param failureRateThreshold percentage of failed calls in the window that opens the breaker
     * @param slidingWindowSize calls the failure rate is computed over
     * @param minimumCalls calls needed before the failure rate counts
     * @param openStateWaitSeconds how long an open breaker refuses calls before letting a few try
     * @param halfOpenCalls trial calls of a half-open breaker
     */
    public record ModelCall(
            @Positive @DefaultValue("10000") long timeoutMillis,
            @Positive @DefaultValue("16") int maxConcurrentCalls,
            @Positive @Max(100) @DefaultValue("50") int failureRateThreshold,
            @Positive @DefaultValue("20") int slidingWindowSize,
            @Positive @DefaultValue("10") int minimumCalls,
            @Positive @DefaultValue("30") long openStateWaitSeconds,
            @Positive @DefaultValue("3") int halfOpenCalls) {
    }
}
