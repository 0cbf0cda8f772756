package dev.modelapi.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One text's answer from one model.
 *
 * @param label the most probable label
 * @param score the probability of {@code label}
 * @param probabilities every label's probability, in the model's label-id order
 */
public record Prediction(String label, double score, Map<String, Double> probabilities) {

    public Prediction {
        probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
    }
}
