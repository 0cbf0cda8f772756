package dev.modelapi.ensemble;

import dev.modelapi.errors.InvalidModelOutputException;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.model.Prediction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A model's answer counts only if it is a probability distribution over its labels. */
class ModelInvokerCheckTest {

    static final ModelRef MODEL = new ModelRef("m", "1");

    static Prediction prediction(double ham, double spam) {
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("ham", ham);
        p.put("spam", spam);
        return new Prediction(spam > ham ? "spam" : "ham", Math.max(ham, spam), p);
    }

    @Test
    void shouldAcceptADistributionWithinFloatRounding() {
        assertThatCode(() -> ModelInvoker.check(MODEL, 2, List.of(prediction(0.25, 0.75), prediction(0.9999, 0.0002))))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseNaN() {
        assertThatThrownBy(() -> ModelInvoker.check(MODEL, 1, List.of(prediction(Double.NaN, Double.NaN))))
                .isInstanceOf(InvalidModelOutputException.class).hasMessageContaining("NaN");
    }

    @Test
    void shouldRefuseProbabilitiesOutsideZeroToOne() {
        assertThatThrownBy(() -> ModelInvoker.check(MODEL, 1, List.of(prediction(-0.2, 1.2))))
                .isInstanceOf(InvalidModelOutputException.class).hasMessageContaining("-0.2");
        assertThatThrownBy(() -> ModelInvoker.check(MODEL, 1, List.of(prediction(0.5, Double.POSITIVE_INFINITY))))
                .isInstanceOf(InvalidModelOutputException.class);
    }

    @Test
    void shouldRefuseProbabilitiesThatDoNotAddUpToOne() {
        assertThatThrownBy(() -> ModelInvoker.check(MODEL, 2, List.of(prediction(0.5, 0.5), prediction(0.7, 0.7))))
                .isInstanceOf(InvalidModelOutputException.class).hasMessageContaining("text 1 add up to 1.4");
    }

    @Test
    void shouldRefuseAnswersMissingForSomeTexts() {
        assertThatThrownBy(() -> ModelInvoker.check(MODEL, 3, List.of(prediction(0.5, 0.5))))
                .isInstanceOf(InvalidModelOutputException.class).hasMessageContaining("1 of 3");
    }
}
