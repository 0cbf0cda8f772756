package dev.modelapi.pipeline;

import java.util.function.Predicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The routes' filters on a text, as named Camel predicates: a filter says {@code ref: textUnanswered}
 * where it said {@code simple: "${body.answered} == false"}. The same test in plain Java; simple's
 * OGNL on the body builds a bean expression and binds the method by reflection on every evaluation,
 * which was 3.3 % of a cache hit's CPU (docs/performance.md). A body that is not a
 * {@link PredictionTask} matches none of them, as the simple forms did not.
 */
@Configuration(proxyBeanMethods = false)
public class TaskPredicates {

    /** The cache had no answer for the text: it goes on to the batcher. */
    @Bean
    public org.apache.camel.Predicate textUnanswered() {
        return task(t -> !t.answered());
    }

    /** The text runs through the models itself, not sharing an identical text's inference already in flight. */
    @Bean
    public org.apache.camel.Predicate ownInference() {
        return task(t -> !t.sharesInference());
    }

    /** A caller asked for the text: not the start-up warm-up, not the cache warming. */
    @Bean
    public org.apache.camel.Predicate callerText() {
        return task(PredictionTask::fromCaller);
    }

    static org.apache.camel.Predicate task(Predicate<PredictionTask> test) {
        return exchange -> exchange.getIn().getBody() instanceof PredictionTask t && test.test(t);
    }
}
