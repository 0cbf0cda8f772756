package dev.modelapi.ensemble;

import dev.modelapi.model.Prediction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The voting rules, as pure functions of the models' answers to one text (worked examples in
 * docs/ensembles.md). Every model must answer with the same labels; the first model's label order
 * breaks ties that are still ties after the rule's own tie-break.
 */
public final class Votes {

    private Votes() {
    }

    /** Combines the answering models' answers to text {@code index} of a batch. */
    public static EnsembleResult combine(EnsembleSpec spec, List<ModelAnswer> answers, int index) {
        return combine(spec, answers, index, List.of());
    }

    /**
     * @param answers the models that answered, in the ensemble's order
     * @param failed the models that did not; the answer is degraded when there are any
     */
    public static EnsembleResult combine(EnsembleSpec spec, List<ModelAnswer> answers, int index,
            List<EnsembleResult.FailedModel> failed) {
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("no model answered");
        }
        List<ModelVote> votes = new ArrayList<>(answers.size());
        for (ModelAnswer answer : answers) {
            Prediction p = answer.predictions().get(index);
            votes.add(new ModelVote(answer.model().name(), answer.model().version(), p.label(), p.probabilities()));
        }
        List<String> labels = List.copyOf(votes.get(0).probabilities().keySet());
        for (ModelVote vote : votes) {
            if (!vote.probabilities().keySet().equals(votes.get(0).probabilities().keySet())) {
                throw new IllegalArgumentException("models answer with different labels: " + votes.get(0).name() + " "
                        + labels + ", " + vote.name() + " " + vote.probabilities().keySet());
            }
        }
        Map<String, Double> mean = probabilities(spec, votes);
        String winner;
        double margin;
        switch (spec.method()) {
            case HARD -> {
                Map<String, Integer> counts = voteCounts(votes, labels);
                winner = majority(counts, mean, labels);
                margin = (double) (counts.get(winner) - runnerUp(counts, winner)) / votes.size();
            }
            default -> {
                winner = argMax(mean, labels);
                margin = mean.get(winner) - runnerUp(mean, winner);
            }
        }
        long agreeing = votes.stream().filter(v -> v.label().equals(winner)).count();
        return new EnsembleResult(winner, mean.get(winner), spec.method(), (double) agreeing / votes.size(), margin,
                votes, failed, spec.name());
    }

    /**
     * The combined probability of every label: the mean of the answering models' probabilities,
     * weighted per model for weighted voting. Soft and weighted voting pick its highest label; hard
     * voting breaks ties with it. An answer's models ({@link EnsembleResult#models()}) give it again.
     */
    public static Map<String, Double> probabilities(EnsembleSpec spec, List<ModelVote> votes) {
        List<Double> weights = votes.stream()
                .map(v -> spec.method() == EnsembleMethod.WEIGHTED ? spec.weightOf(v.name()) : 1.0).toList();
        List<String> labels = List.copyOf(votes.get(0).probabilities().keySet());
        double total = weights.stream().mapToDouble(Double::doubleValue).sum();
        if (!(total > 0)) {
            throw new IllegalArgumentException("the weights of the ensemble's answering models add up to " + total);
        }
        Map<String, Double> mean = new LinkedHashMap<>();
        for (String label : labels) {
            double sum = 0;
            for (int i = 0; i < votes.size(); i++) {
                sum += weights.get(i) * votes.get(i).probabilities().get(label);
            }
            mean.put(label, sum / total);
        }
        return mean;
    }

    private static Map<String, Integer> voteCounts(List<ModelVote> votes, List<String> labels) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        labels.forEach(l -> counts.put(l, 0));
        votes.forEach(v -> counts.merge(v.label(), 1, Integer::sum));
        return counts;
    }

    /** Most votes; a tie goes to the tied label with the highest mean probability, then to the first label. */
    private static String majority(Map<String, Integer> counts, Map<String, Double> mean, List<String> labels) {
        String best = null;
        for (String label : labels) {
            if (best == null || counts.get(label) > counts.get(best)
                    || (counts.get(label).equals(counts.get(best)) && mean.get(label) > mean.get(best))) {
                best = label;
            }
        }
        return best;
    }

    private static String argMax(Map<String, Double> scores, List<String> labels) {
        String best = labels.get(0);
        for (String label : labels) {
            if (scores.get(label) > scores.get(best)) {
                best = label;
            }
        }
        return best;
    }

    /** The best value among the other labels; 0 when the winner is the only label. */
    private static <N extends Number> double runnerUp(Map<String, N> values, String winner) {
        double best = 0;
        boolean any = false;
        for (Map.Entry<String, N> e : values.entrySet()) {
            if (!e.getKey().equals(winner) && (!any || e.getValue().doubleValue() > best)) {
                best = e.getValue().doubleValue();
                any = true;
            }
        }
        return best;
    }
}
