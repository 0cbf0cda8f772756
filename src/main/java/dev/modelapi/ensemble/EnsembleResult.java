package dev.modelapi.ensemble;

import java.util.List;

/**
 * The ensemble's answer to one text.
 *
 * @param label the winning label
 * @param score the combined probability of the winning label
 * @param method the vote that was used
 * @param agreement the share of models whose own label is the winning label, 0 to 1
 * @param models each model's own answer, in the ensemble's order
 */
public record EnsembleResult(String label, double score, EnsembleMethod method, double agreement,
        List<ModelVote> models) {

    public EnsembleResult {
        models = List.copyOf(models);
    }
}
