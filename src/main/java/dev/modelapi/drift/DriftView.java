package dev.modelapi.drift;

import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/models/{name}/drift}: each watched subject of that name (its versions, or the
 * named ensemble), with the threshold it is judged by.
 *
 * @param positiveLabel the label whose probability is bucketed (the last in id order)
 */
public record DriftView(String name, double threshold, int minTexts, String positiveLabel, List<Subject> subjects) {

    /**
     * @param kind {@code model} or {@code ensemble}
     * @param version the model version; null for an ensemble
     * @param state {@code collecting_reference}, {@code collecting_window} (fewer than min-texts answers
     *     since), {@code stable} or {@code drifting}
     * @param psi the population stability index of the window against the reference; null until it is computed
     */
    public record Subject(String kind, String version, String state, Double psi, Counts reference, Counts window) {
    }

    /**
     * @param scoreBuckets answers by the positive label's probability, in 10 buckets over [0, 1]
     * @param labelRates each label's share of the answers
     */
    public record Counts(String source, long texts, long[] scoreBuckets, Map<String, Double> labelRates) {
    }
}
