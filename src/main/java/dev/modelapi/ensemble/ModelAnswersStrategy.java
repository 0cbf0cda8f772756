package dev.modelapi.ensemble;

import java.util.ArrayList;
import java.util.List;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * Gathers the multicast's branches into one list of {@link ModelAnswer}s. A branch that failed
 * fails the whole ensemble call with its exception: every model must answer.
 */
@Component("modelAnswers")
public class ModelAnswersStrategy implements AggregationStrategy {

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange result = oldExchange == null ? newExchange : oldExchange;
        List<ModelAnswer> answers = oldExchange == null ? new ArrayList<>() : result.getIn().getBody(List.class);
        if (newExchange.getException() != null) {
            result.setException(newExchange.getException());
        } else {
            answers.add(newExchange.getIn().getBody(ModelAnswer.class));
        }
        result.getIn().setBody(answers);
        return result;
    }
}
