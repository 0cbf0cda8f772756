package dev.modelapi.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.modelapi.model.Prediction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The voting rules against hand-computed examples (the same as in docs/ensembles.md). */
class VotesTest {

    static final ModelRef A = new ModelRef("a", "1");
    static final ModelRef B = new ModelRef("b", "1");
    static final ModelRef C = new ModelRef("c", "2");

    static ModelAnswer answer(ModelRef model, double spam) {
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("ham", 1 - spam);
        p.put("spam", spam);
        String label = spam > 0.5 ? "spam" : "ham";
        return ModelAnswer.answered(model, List.of(new Prediction(label, p.get(label), p)));
    }

    static EnsembleSpec spec(EnsembleMethod method, Map<String, Double> weights) {
        return new EnsembleSpec(List.of(A, B, C), method, weights);
    }

    @Test
    void shouldAverageProbabilitiesForSoftVoting() {
        // spam: (0.9 + 0.4 + 0.3) / 3 = 0.5333 -> spam, though two of three models said ham
        EnsembleResult result = Votes.combine(spec(EnsembleMethod.SOFT, Map.of()),
                List.of(answer(A, 0.9), answer(B, 0.4), answer(C, 0.3)), 0);

        assertThat(result.label()).isEqualTo("spam");
        assertThat(result.score()).isCloseTo(1.6 / 3, within(1e-12));
        assertThat(result.agreement()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(result.margin()).isCloseTo(1.6 / 3 - 1.4 / 3, within(1e-12)); // spam 0.533 - ham 0.467
        assertThat(result.models()).extracting(ModelVote::name).containsExactly("a", "b", "c");
        assertThat(result.degraded()).isFalse();
    }

    @Test
    void shouldFollowTheMajorityForHardVoting() {
        // labels spam, ham, ham -> ham; score is ham's mean probability (0.1 + 0.6 + 0.7) / 3
        EnsembleResult result = Votes.combine(spec(EnsembleMethod.HARD, Map.of()),
                List.of(answer(A, 0.9), answer(B, 0.4), answer(C, 0.3)), 0);

        assertThat(result.label()).isEqualTo("ham");
        assertThat(result.score()).isCloseTo(1.4 / 3, within(1e-12));
        assertThat(result.agreement()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(result.margin()).isCloseTo(1.0 / 3, within(1e-12)); // (2 votes - 1 vote) / 3 models
    }

    @Test
    void shouldBreakAHardVoteTieByMeanProbability() {
        // two models: spam (0.95) and ham (0.4 spam) -> one vote each; mean spam 0.675 > ham 0.325
        EnsembleSpec two = new EnsembleSpec(List.of(A, B), EnsembleMethod.HARD, Map.of());

        EnsembleResult result = Votes.combine(two, List.of(answer(A, 0.95), answer(B, 0.4)), 0);

        assertThat(result.label()).isEqualTo("spam");
        assertThat(result.agreement()).isEqualTo(0.5);
        assertThat(result.margin()).isZero(); // a tie on votes
    }

    @Test
    void shouldBreakAnExactTieByLabelOrder() {
        EnsembleSpec two = new EnsembleSpec(List.of(A, B), EnsembleMethod.HARD, Map.of());

        EnsembleResult result = Votes.combine(two, List.of(answer(A, 0.8), answer(B, 0.2)), 0);

        assertThat(result.label()).isEqualTo("ham"); // means 0.5 / 0.5: the first label, ham, wins
    }

    @Test
    void shouldWeighModelsForWeightedVoting() {
        // weights a=3, b=1, c=1: spam (3*0.9 + 0.4 + 0.3) / 5 = 0.68
        EnsembleResult result = Votes.combine(spec(EnsembleMethod.WEIGHTED, Map.of("a", 3.0, "b", 1.0, "c", 1.0)),
                List.of(answer(A, 0.9), answer(B, 0.4), answer(C, 0.3)), 0);

        assertThat(result.label()).isEqualTo("spam");
        assertThat(result.score()).isCloseTo(0.68, within(1e-12));
        assertThat(result.margin()).isCloseTo(0.68 - 0.32, within(1e-12));
    }

    @Test
    void shouldGiveEveryLabelsCombinedProbabilityAgainFromAnAnswersModels() {
        // weights a=3, b=1, c=1: spam 0.68, ham 0.32; the answer's score is the winner's of the two
        EnsembleSpec weighted = spec(EnsembleMethod.WEIGHTED, Map.of("a", 3.0, "b", 1.0, "c", 1.0));
        EnsembleResult result = Votes.combine(weighted, List.of(answer(A, 0.9), answer(B, 0.4), answer(C, 0.3)), 0);

        Map<String, Double> combined = Votes.probabilities(weighted, result.models());

        assertThat(combined.get("spam")).isCloseTo(0.68, within(1e-12)).isEqualTo(result.score());
        assertThat(combined.get("ham")).isCloseTo(0.32, within(1e-12));
    }

    @Test
    void shouldIgnoreWeightsForSoftVoting() {
        EnsembleResult result = Votes.combine(spec(EnsembleMethod.SOFT, Map.of("a", 100.0)),
                List.of(answer(A, 0.9), answer(B, 0.4), answer(C, 0.3)), 0);

        assertThat(result.score()).isCloseTo(1.6 / 3, within(1e-12));
    }

    @Test
    void shouldRefuseModelsWithDifferentLabels() {
        ModelAnswer other = ModelAnswer.answered(B, List.of(new Prediction("phish", 0.7, Map.of("phish", 0.7, "ok", 0.3))));

        assertThatThrownBy(() -> Votes.combine(spec(EnsembleMethod.SOFT, Map.of()), List.of(answer(A, 0.9), other), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different labels");
    }

    static ModelAnswer answer3(ModelRef model, double ham, double spam, double phish) {
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("ham", ham);
        p.put("spam", spam);
        p.put("phish", phish);
        String label = p.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        return ModelAnswer.answered(model, List.of(new Prediction(label, p.get(label), p)));
    }

    @Test
    void shouldMeasureTheMarginAgainstTheRunnerUpOfThreeLabels() {
        // means: ham (0.2 + 0.1) / 2 = 0.15, spam (0.5 + 0.3) / 2 = 0.40, phish (0.3 + 0.6) / 2 = 0.45
        EnsembleSpec two = new EnsembleSpec(List.of(A, B), EnsembleMethod.SOFT, Map.of());

        EnsembleResult result = Votes.combine(two, List.of(answer3(A, 0.2, 0.5, 0.3), answer3(B, 0.1, 0.3, 0.6)), 0);

        assertThat(result.label()).isEqualTo("phish");
        assertThat(result.score()).isCloseTo(0.45, within(1e-12));
        assertThat(result.margin()).isCloseTo(0.05, within(1e-12)); // phish 0.45 - spam 0.40
        assertThat(result.agreement()).isEqualTo(0.5);
    }

    @Test
    void shouldBreakAThreeWayHardTieByMeanProbability() {
        // one vote each for spam, phish, ham; means ham 0.3, spam 0.3667, phish 0.3333 -> spam
        EnsembleResult result = Votes.combine(spec(EnsembleMethod.HARD, Map.of()),
                List.of(answer3(A, 0.2, 0.5, 0.3), answer3(B, 0.1, 0.3, 0.6), answer3(C, 0.6, 0.3, 0.1)), 0);

        assertThat(result.label()).isEqualTo("spam");
        assertThat(result.score()).isCloseTo(1.1 / 3, within(1e-12));
        assertThat(result.margin()).isZero();
        assertThat(result.agreement()).isCloseTo(1.0 / 3, within(1e-12));
    }

    @Test
    void shouldVoteWithTheAnsweringModelsOnlyWhenDegraded() {
        // c failed: soft vote of a and b, spam (0.9 + 0.4) / 2 = 0.65
        List<EnsembleResult.FailedModel> failed = List.of(new EnsembleResult.FailedModel("c", "2", "timeout"));

        EnsembleResult result = Votes.combine(spec(EnsembleMethod.SOFT, Map.of()),
                List.of(answer(A, 0.9), answer(B, 0.4)), 0, failed);

        assertThat(result.label()).isEqualTo("spam");
        assertThat(result.score()).isCloseTo(0.65, within(1e-12));
        assertThat(result.margin()).isCloseTo(0.30, within(1e-12));
        assertThat(result.agreement()).isEqualTo(0.5);
        assertThat(result.degraded()).isTrue();
        assertThat(result.failed()).containsExactly(new EnsembleResult.FailedModel("c", "2", "timeout"));
    }

    @Test
    void shouldRenormaliseWeightsOverTheAnsweringModels() {
        // weights a=3, b=1, c=1 and a failed: (0.4 + 0.3) / 2 = 0.35 spam -> ham 0.65
        EnsembleResult result = Votes.combine(spec(EnsembleMethod.WEIGHTED, Map.of("a", 3.0, "b", 1.0, "c", 1.0)),
                List.of(answer(B, 0.4), answer(C, 0.3)), 0, List.of(new EnsembleResult.FailedModel("a", "1", "error")));

        assertThat(result.label()).isEqualTo("ham");
        assertThat(result.score()).isCloseTo(0.65, within(1e-12));
    }
}
