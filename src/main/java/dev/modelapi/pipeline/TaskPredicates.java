package dev.modelapi.pipeline;

import java.util.function.Predicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The routes' filters on a text, as named Camel predicates: a filter says {@code ref: textUnanswered}
 * where it said {@code simple: "${body.answered} == false"}. The same test in plain Java; simple's
 * OGNL on the body builds a bean expression and binds the method by reflection on every evaluation,
 * which was 3.3 % of a cache hit's CPU (docs/performance.md). As with the simple forms, a null body
 * matches none of them and any other body fails the exchange, naming the predicate and what it got
 * (a route edit that filters before the split, say), rather than passing or dropping it unseen.
 */
@Configuration(proxyBeanMethods = false)
public class TaskPredicates {

    /** The cache had no answer for the text: it goes on to the batcher. */
    @Bean
    public org.apache.camel.Predicate textUnanswered() {
        return task("textUnanswered", t -> !t.answered());
    }

    /** The text runs through the models itself, not sharing an identical text's inference already in flight. */
    @Bean
    public org.apache.camel.Predicate ownInference() {
        return task("ownInference", t -> !t.sharesInference());
    }

    /** A caller asked for the text: not the start-up warm-up, not the cache warming. */
    @Bean
    public org.apache.camel.Predicate callerText() {
        return task("callerText", PredictionTask::fromCaller);
    }

    /** A named predicate on the exchange's text, for filters after the split (the audit's {@code auditedText}). */
    public static org.apache.camel.Predicate task(String name, Predicate<PredictionTask> test) {
        return exchange -> {
            Object body = exchange.getIn().getBody();
            if (body == null) {
                return false;
            }
            if (body instanceof PredictionTask task) {
                return test.test(task);
            }
            throw new IllegalArgumentException("predicate " + name + " tests one text (a " + PredictionTask.class.getName()
                    + "), not a " + body.getClass().getName() + ": filter after the split of the request's texts");
        };
    }
}
