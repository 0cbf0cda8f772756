package dev.modelapi.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import jakarta.validation.Validator;
import org.junit.jupiter.api.Test;

class TrafficPropertiesTest {

    final Validator validator = Validation.buildDefaultValidatorFactory().getValidator();

    @Test
    void shouldAcceptWeightPairsAndAnEmptySplit() {
        assertThat(validator.validate(new TrafficProperties.Split("spam-roberta", "1=90, 2=10.5"))).isEmpty();
        assertThat(validator.validate(new TrafficProperties.Split("", ""))).isEmpty();
    }

    @Test
    void shouldRefuseMalformedWeights() {
        assertThat(validator.validate(new TrafficProperties.Split("spam-roberta", "1:90;2:10")))
                .extracting(v -> v.getMessage()).containsExactly("must be version=weight pairs separated by commas, e.g. 1=90,2=10");
        assertThat(validator.validate(new TrafficProperties.Split("spam-roberta", "1=-5"))).hasSize(1);
    }
}
