package dev.modelapi.ingest;

import com.fasterxml.jackson.annotation.JsonCreator;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import java.util.List;
import java.util.Map;

/**
 * The prediction request bodies, the same JSON on every channel, as Jackson binds them (no type
 * coercion: a number is not a text) and Bean Validation checks them; {@link PredictRequests} turns
 * a binding or validation failure into the 400 its field names ({@code invalid_text},
 * {@code missing_texts}, {@code invalid_ensemble}, ...), with the message it gives that field
 * whichever way it was wrong.
 */
final class PredictRequest {

    private PredictRequest() {
    }

    /** {@code {"text": "...", "models": [...]?, "ensemble": ...?}} */
    record Single(
            @NotNull(message = "the request has no \"text\"") String text,
            List<@NotNull @Pattern(regexp = "(?s).*\\S.*") String> models,
            @Valid Ensemble ensemble) {
    }

    /** {@code {"texts": ["...", ...], "models": [...]?, "ensemble": ...?}}: at most {@code max-batch-texts} texts. */
    record Batch(
            @NotNull
            @NotEmpty(message = "\"texts\" must be a non-empty array of strings")
            List<@NotNull String> texts,
            List<@NotNull @Pattern(regexp = "(?s).*\\S.*") String> models,
            @Valid Ensemble ensemble) {
    }

    /**
     * {@code "ensemble"}: a named ensemble's name, or an object naming one and overriding its vote.
     *
     * @param name a named ensemble (modelapi.ensemble.named)
     * @param method {@code soft}, {@code hard} or {@code weighted}
     * @param weights per model name, 0 or more (a weight of a model not in the ensemble is still checked)
     * @param quorum how many models must answer (checked against the ensemble when it is resolved)
     */
    record Ensemble(
            @Pattern(regexp = "(?s).*\\S.*") String name,
            @Pattern(regexp = "soft|hard|weighted") String method,
            Map<String, @NotNull @PositiveOrZero @DecimalMax("1e308") Double> weights,
            Integer quorum) {

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        Ensemble {
        }

        /** {@code "ensemble": "spam-default"} */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static Ensemble named(String name) {
            return new Ensemble(name, null, null, null);
        }
    }
}
