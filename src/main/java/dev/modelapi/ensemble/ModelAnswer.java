package dev.modelapi.ensemble;

import dev.modelapi.model.Prediction;
import java.util.List;

/**
 * One model's answers to a whole batch, in the batch's order: what each branch of the multicast
 * returns. A model that failed (threw, timed out, was refused by its breaker or bulkhead, or
 * answered with invalid probabilities) has a {@code failure} and no predictions.
 */
record ModelAnswer(ModelRef model, List<Prediction> predictions, ModelFailure failure) {

    public ModelAnswer {
        predictions = List.copyOf(predictions);
    }

    public static ModelAnswer answered(ModelRef model, List<Prediction> predictions) {
        return new ModelAnswer(model, predictions, null);
    }

    public static ModelAnswer failed(ModelRef model, ModelFailure failure) {
        return new ModelAnswer(model, List.of(), failure);
    }

    public boolean ok() {
        return failure == null;
    }
}
