package dev.modelapi.ensemble;

import dev.modelapi.errors.QuorumNotMetException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * The {@code vote} step: the models' answers to a batch become one answer per text. Models that
 * failed are left out and the answer says so (degraded); fewer answering models than the
 * ensemble's quorum is an {@link QuorumNotMetException} for every text of the batch.
 */
@Component("voter")
public class Voter {

    private final MeterRegistry meters;
    private final Duration retryAfter;

    public Voter(MeterRegistry meters, EnsembleProperties settings) {
        this.meters = meters;
        this.retryAfter = Duration.ofSeconds(Math.max(1, settings.modelCall().openStateWaitSeconds()));
    }

    /** One answer per text of the batch, in the batch's order; models in the ensemble's order. */
    public List<EnsembleResult> vote(List<ModelAnswer> answers, EnsembleSpec ensemble) {
        List<ModelAnswer> ordered = new ArrayList<>(answers);
        ordered.sort(Comparator.comparingInt(a -> ensemble.models().indexOf(a.model())));
        List<ModelAnswer> answered = ordered.stream().filter(ModelAnswer::ok).toList();
        List<ModelAnswer> failures = ordered.stream().filter(a -> !a.ok()).toList();
        if (answered.size() < ensemble.quorum()) {
            throw new QuorumNotMetException(answered.size() + " of " + ensemble.models().size()
                    + " models answered, the quorum is " + ensemble.quorum() + "; failed: "
                    + failures.stream().map(f -> f.model() + " (" + f.failure().reason() + ")")
                            .collect(Collectors.joining(", ")), retryAfter);
        }
        List<EnsembleResult.FailedModel> failed = failures.stream()
                .map(f -> new EnsembleResult.FailedModel(f.model().name(), f.model().version(), f.failure().reason()))
                .toList();
        int texts = answered.get(0).predictions().size();
        if (!failed.isEmpty()) {
            Counter.builder("modelapi.ensemble.degraded").description("Texts answered by only part of their ensemble")
                    .baseUnit("texts").tag("ensemble", ensemble.name() == null ? "unnamed" : ensemble.name())
                    .register(meters).increment(texts);
        }
        List<EnsembleResult> results = new ArrayList<>(texts);
        for (int i = 0; i < texts; i++) {
            results.add(Votes.combine(ensemble, answered, i, failed));
        }
        return results;
    }
}
