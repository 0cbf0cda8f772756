package dev.modelapi.ensemble;

import dev.modelapi.model.Prediction;
import java.util.List;

/** One model's answers to a whole batch, in the batch's order: what each branch of the multicast returns. */
public record ModelAnswer(ModelRef model, List<Prediction> predictions) {

    public ModelAnswer {
        predictions = List.copyOf(predictions);
    }
}
