package dev.modelapi.ensemble;

import java.util.List;

/**
 * The ensemble's answer to one text.
 *
 * @param label the winning label
 * @param score the combined probability of the winning label
 * @param method the vote that was used
 * @param agreement the share of the answering models whose own label is the winning label, 0 to 1
 * @param margin how far the winner is ahead of the runner-up: combined probability for soft and
 *        weighted voting, share of the answering models' votes for hard voting; 0 is a tie
 * @param models each answering model's own answer, in the ensemble's order
 * @param failed the models that gave no answer, and why; empty unless the answer is degraded
 * @param ensemble the named ensemble that answered, or null
 */
public record EnsembleResult(String label, double score, EnsembleMethod method, double agreement, double margin,
        List<ModelVote> models, List<FailedModel> failed, String ensemble) {

    public EnsembleResult {
        models = List.copyOf(models);
        failed = failed == null ? List.of() : List.copyOf(failed);
    }

    /** Whether some models failed and the answer came from the others (the quorum held). */
    public boolean degraded() {
        return !failed.isEmpty();
    }

    /** A model of the ensemble that gave no answer to the batch. */
    public record FailedModel(String name, String version, String reason) {
    }
}
