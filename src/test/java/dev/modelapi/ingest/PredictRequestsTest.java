package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The requests {@link PredictRequests} reads without Bean Validation: only those that no
 * constraint of {@link PredictRequest} can refuse. A constraint added to a text would make the
 * first test fail here, not let such requests through unchecked.
 */
class PredictRequestsTest {

    static final ValidatorFactory FACTORY = Validation.buildDefaultValidatorFactory();
    static final Validator VALIDATOR = FACTORY.getValidator();

    @AfterAll
    static void close() {
        FACTORY.close();
    }

    static final List<String> TEXTS = List.of("", " ", "\u0000", "win money", "x".repeat(100_000), "caf\u00e9 \ud83d\ude00",
            "\u202Ebidi", "\ud83d lone");

    @Test
    void shouldSkipValidationOnlyForRequestsNoConstraintCanRefuse() {
        for (String text : TEXTS) {
            PredictRequest.Single single = new PredictRequest.Single(text, null, null);
            assertThat(PredictRequests.isPlain(single)).as(text).isTrue();
            assertThat(VALIDATOR.validate(single)).as(text).isEmpty();
        }
        PredictRequest.Batch batch = new PredictRequest.Batch(new ArrayList<>(TEXTS), null, null);
        assertThat(PredictRequests.isPlain(batch)).isTrue();
        assertThat(VALIDATOR.validate(batch)).isEmpty();
    }

    @Test
    void shouldValidateEveryOtherRequest() {
        PredictRequest.Ensemble named = PredictRequest.Ensemble.named("spam-default");
        List<Object> others = List.of(
                new PredictRequest.Single(null, null, null),
                new PredictRequest.Single("text", List.of("spam-roberta"), null),
                new PredictRequest.Single("text", List.of(), null),
                new PredictRequest.Single("text", null, named),
                new PredictRequest.Batch(null, null, null),
                new PredictRequest.Batch(List.of(), null, null),
                new PredictRequest.Batch(Arrays.asList("a", null), null, null),
                new PredictRequest.Batch(List.of("a"), List.of("spam-roberta"), null),
                new PredictRequest.Batch(List.of("a"), null, new PredictRequest.Ensemble(null, "soft", Map.of(), 2)),
                "not a request");

        for (Object request : others) {
            assertThat(PredictRequests.isPlain(request)).as("%s", request).isFalse();
        }
        // and of those, the ones with a wrong field are refused by the constraints as before
        assertThat(VALIDATOR.validate(new PredictRequest.Single(null, null, null))).isNotEmpty();
        assertThat(VALIDATOR.validate(new PredictRequest.Batch(Arrays.asList("a", null), null, null))).isNotEmpty();
        assertThat(VALIDATOR.validate(new PredictRequest.Single("text", List.of(" "), null))).isNotEmpty();
    }
}
