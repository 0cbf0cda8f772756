package dev.modelapi.ensemble;

import dev.modelapi.errors.QuorumNotMetException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The quorum: enough answering models give a degraded answer, too few give none. */
class VoterTest {

    static final ModelRef A = VotesTest.A;
    static final ModelRef B = VotesTest.B;
    static final ModelRef C = VotesTest.C;

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Voter voter = new Voter(meters, EnsembleResolverTest.settings(Map.of(), ""));

    static ModelAnswer failed(ModelRef model, String reason) {
        return ModelAnswer.failed(model, new ModelFailure(reason, "injected"));
    }

    @Test
    void shouldGiveADegradedAnswerWhileTheQuorumHolds() {
        EnsembleSpec spec = new EnsembleSpec(List.of(A, B, C), EnsembleMethod.SOFT, Map.of(), 2, "three");

        // answers arrive in any order; the vote keeps the ensemble's order
        List<EnsembleResult> results = voter.vote(List.of(VotesTest.answer(C, 0.3), failed(B, "timeout"),
                VotesTest.answer(A, 0.9)), spec);

        EnsembleResult result = results.get(0);
        assertThat(result.degraded()).isTrue();
        assertThat(result.models()).extracting(ModelVote::name).containsExactly("a", "c");
        assertThat(result.failed()).containsExactly(new EnsembleResult.FailedModel("b", "1", "timeout"));
        assertThat(result.score()).isEqualTo((0.9 + 0.3) / 2);
        assertThat(result.ensemble()).isEqualTo("three");
        assertThat(meters.get("modelapi.ensemble.degraded").tag("ensemble", "three").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldRefuseWhenFewerModelsAnswerThanTheQuorum() {
        EnsembleSpec spec = new EnsembleSpec(List.of(A, B, C), EnsembleMethod.SOFT, Map.of(), 2, null);

        assertThatThrownBy(() -> voter.vote(List.of(failed(A, "circuit_open"), failed(B, "error"),
                VotesTest.answer(C, 0.3)), spec))
                .isInstanceOf(QuorumNotMetException.class)
                .hasMessage("1 of 3 models answered, the quorum is 2; failed: a:1 (circuit_open), b:1 (error)")
                .satisfies(e -> assertThat(((QuorumNotMetException) e).code()).isEqualTo("quorum_not_met"));
    }

    @Test
    void shouldRefuseWhenNoModelAnswers() {
        EnsembleSpec spec = new EnsembleSpec(List.of(A), EnsembleMethod.SOFT, Map.of());

        assertThatThrownBy(() -> voter.vote(List.of(failed(A, "error")), spec))
                .isInstanceOf(QuorumNotMetException.class);
    }

    @Test
    void shouldNotCountAFullAnswerAsDegraded() {
        EnsembleSpec spec = new EnsembleSpec(List.of(A, B), EnsembleMethod.SOFT, Map.of(), 2, null);

        EnsembleResult result = voter.vote(List.of(VotesTest.answer(A, 0.9), VotesTest.answer(B, 0.8)), spec).get(0);

        assertThat(result.degraded()).isFalse();
        assertThat(result.failed()).isEmpty();
        assertThat(meters.find("modelapi.ensemble.degraded").counter()).isNull();
    }
}
