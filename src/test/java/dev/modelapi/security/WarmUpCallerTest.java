package dev.modelapi.security;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarmUpCallerTest {

    private final WarmUpCaller warmUp = new WarmUpCaller();

    @Test
    void shouldAcceptOnlyThisJvmsToken() {
        assertThat(warmUp.matches(warmUp.token())).isTrue();
        assertThat(warmUp.matches(new WarmUpCaller().token())).isFalse();
        assertThat(warmUp.matches("")).isFalse();
        assertThat(warmUp.matches(null)).isFalse();
        assertThat(warmUp.token()).hasSize(64);
    }

    @Test
    void shouldPredictWithEveryModelAndDoNothingElse() {
        assertThat(WarmUpCaller.CALLER.roles()).containsExactly(Role.PREDICT);
        assertThat(WarmUpCaller.CALLER.mayUse("spam-deberta")).isTrue();
        assertThat(WarmUpCaller.CALLER.requestsPerSecond()).isZero();
    }

    @Test
    void shouldRefuseAConfiguredKeyNamedAsTheWarmUp() {
        Validator validator = Validation.buildDefaultValidatorFactory().getValidator();
        String sha256 = "a".repeat(64);

        assertThat(validator.validate(new SecurityProperties.Key("warm-up", sha256, List.of(Role.PREDICT), List.of("*"), 0,
                true))).extracting(v -> v.getPropertyPath().toString()).containsExactly("name");
        assertThat(validator.validate(new SecurityProperties.Key("warm-up-team", sha256, List.of(Role.PREDICT),
                List.of("*"), 0, true))).isEmpty();
    }
}
