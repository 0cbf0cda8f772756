package dev.modelapi.ensemble;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Gathers the multicast's branches into one list of {@link ModelAnswer}s, one per model. A branch
 * that failed (the model threw, timed out, was refused by its breaker or bulkhead, or answered
 * with invalid probabilities) becomes a failed answer: the vote decides whether the others suffice.
 */
@Component("modelAnswers")
public class ModelAnswersStrategy implements AggregationStrategy {

    private static final Logger log = LoggerFactory.getLogger(ModelAnswersStrategy.class);

    private final ModelCalls calls;
    private final MeterRegistry meters;

    public ModelAnswersStrategy(ModelCalls calls, MeterRegistry meters) {
        this.calls = calls;
        this.meters = meters;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange result = oldExchange == null ? newExchange : oldExchange;
        List<ModelAnswer> answers = oldExchange == null ? new ArrayList<>() : result.getIn().getBody(List.class);
        Exception caught = newExchange.getException();
        if (caught == null) {
            ModelAnswer answer = newExchange.getIn().getBody(ModelAnswer.class);
            answers.add(answer);
            requests(answer.model(), "success").increment(answer.predictions().size());
        } else {
            ModelRef model = calls.modelOf(newExchange.getProperty(Exchange.RECIPIENT_LIST_ENDPOINT, String.class))
                    .orElse(null);
            if (model == null) {
                // Not a model call of ours (a recipient added in YAML): its failure is the batch's.
                result.setException(caught);
            } else {
                ModelFailure failure = ModelFailure.of(caught);
                answers.add(ModelAnswer.failed(model, failure));
                count(model, failure);
                List<?> texts = newExchange.getIn().getBody(List.class);
                requests(model, "failure").increment(texts == null ? 0 : texts.size());
                if (ModelFailure.CIRCUIT_OPEN.equals(failure.reason())) {
                    log.debug("Model {} left out: {}", model, failure.message());
                } else {
                    log.warn("Model {} left out of the ensemble ({}): {}", model, failure.reason(), failure.message());
                }
                newExchange.setException(null);
            }
        }
        result.getIn().setBody(answers);
        return result;
    }

    /** Texts sent to a model, by outcome: the model's own success and failure counts. */
    private Counter requests(ModelRef model, String outcome) {
        return Counter.builder("modelapi.inference.requests")
                .description("Texts sent to a model, by whether it answered them")
                .tags("model", model.name(), "version", String.valueOf(model.version()), "outcome", outcome)
                .register(meters);
    }

    private void count(ModelRef model, ModelFailure failure) {
        Counter.builder("modelapi.ensemble.model.failures")
                .description("Model calls of the ensemble that gave no answer, by reason")
                .tags("model", model.name(), "version", String.valueOf(model.version()), "reason", failure.reason())
                .register(meters)
                .increment();
    }
}
