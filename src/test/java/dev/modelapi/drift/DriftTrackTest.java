package dev.modelapi.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The index, the reference taken from the first answers, and the window as a ring. */
class DriftTrackTest {

    static final List<String> LABELS = List.of("ham", "spam");

    @Test
    void shouldScoreAlikeDistributionsNearZeroAndAShiftedOneHigh() {
        long[] reference = {600, 2, 3, 3, 1, 1, 1, 2, 1, 250};

        assertThat(Distribution.psi(reference, reference)).isCloseTo(0.0, within(1e-12));
        assertThat(Distribution.psi(reference, new long[] {200, 1, 1, 1, 0, 0, 0, 1, 0, 85})).isLessThan(0.02);
        assertThat(Distribution.psi(reference, new long[] {20, 0, 0, 0, 0, 0, 0, 0, 0, 280})).isGreaterThan(1.0);
        // an empty bucket is rare, not impossible: a finite index
        assertThat(Distribution.psi(new long[] {10, 0, 0, 0, 0, 0, 0, 0, 0, 10}, new long[] {0, 0, 0, 0, 20, 0, 0, 0, 0, 0}))
                .isFinite();
        assertThat(Distribution.bucket(0.0)).isZero();
        assertThat(Distribution.bucket(0.999)).isEqualTo(9);
        assertThat(Distribution.bucket(1.0)).isEqualTo(9);
    }

    @Test
    void shouldTakeTheFirstAnswersAsTheReferenceWhenNoneShipsThenWatchTheRest() {
        DriftTrack track = new DriftTrack("model", "m", "1", LABELS, null, 50, 40);
        for (int i = 0; i < 40; i++) {
            track.add(i % 4 == 0 ? 0.95 : 0.05, i % 4 == 0 ? "spam" : "ham");
        }
        assertThat(track.view(10, 0.25).state()).isEqualTo("collecting_window");
        assertThat(track.view(10, 0.25).reference().texts()).isEqualTo(40);
        for (int i = 0; i < 20; i++) {
            track.add(i % 4 == 0 ? 0.95 : 0.05, i % 4 == 0 ? "spam" : "ham");
        }
        assertThat(track.view(10, 0.25).state()).isEqualTo("stable");
        assertThat(track.psi(10)).isLessThan(0.05);

        for (int i = 0; i < 50; i++) { // a full window of spam pushes every earlier answer out
            track.add(0.99, "spam");
        }
        DriftView.Subject drifting = track.view(10, 0.25);
        assertThat(drifting.state()).isEqualTo("drifting");
        assertThat(drifting.window().texts()).isEqualTo(50);
        assertThat(drifting.window().scoreBuckets()[9]).isEqualTo(50);
        assertThat(drifting.window().labelRates()).isEqualTo(Map.of("ham", 0.0, "spam", 1.0));
        assertThat(drifting.reference().labelRates().get("spam")).isEqualTo(0.25);
        assertThat(track.positiveRate()).isEqualTo(1.0);
    }

    @Test
    void shouldJudgeAgainstAShippedReferenceFromTheFirstAnswer() {
        DriftTrack track = new DriftTrack("model", "m", "1", LABELS, new DriftTrack.Reference("held-out", 10,
                new long[] {7, 0, 0, 0, 0, 0, 0, 0, 0, 3}, Map.of("ham", 7L, "spam", 3L)), 100, 1000);

        assertThat(track.psi(1)).isNaN();
        track.add(0.01, "ham");

        assertThat(track.view(1, 0.25).state()).isIn("stable", "drifting");
        assertThat(track.view(1, 0.25).reference().source()).isEqualTo("held-out");
        assertThat(track.psi(2)).as("fewer than min-texts answers").isNaN();
    }
}
