package dev.modelapi.ensemble;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.stereotype.Component;

/** The {@code vote} step: the models' answers to a batch become one answer per text. */
@Component("voter")
public class Voter {

    /** One answer per text of the batch, in the batch's order; models in the ensemble's order. */
    public List<EnsembleResult> vote(List<ModelAnswer> answers, EnsembleSpec ensemble) {
        List<ModelAnswer> ordered = new ArrayList<>(answers);
        ordered.sort(Comparator.comparingInt(a -> ensemble.models().indexOf(a.model())));
        int texts = ordered.get(0).predictions().size();
        List<EnsembleResult> results = new ArrayList<>(texts);
        for (int i = 0; i < texts; i++) {
            results.add(Votes.combine(ensemble, ordered, i));
        }
        return results;
    }
}
