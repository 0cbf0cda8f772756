package dev.modelapi.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.ensemble.ModelVote;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** The routes' named filters answer as the simple expressions they replace did, and refuse a body that is not a text. */
class TaskPredicatesTest {

    private final TaskPredicates predicates = new TaskPredicates();
    private final DefaultCamelContext camel = new DefaultCamelContext();

    @Test
    void shouldPassOnlyTextsTheCacheDidNotAnswer() {
        PredictionTask missed = task("anonymous");
        PredictionTask hit = task("anonymous");
        hit.answer(new EnsembleResult("spam", 0.9, EnsembleMethod.SOFT, 1.0, 0.8,
                List.of(new ModelVote("spam-distilbert", "1", "spam", Map.of("spam", 0.9, "ham", 0.1))), List.of(), null),
                true, 0);

        assertThat(predicates.textUnanswered().matches(exchange(missed))).isTrue();
        assertThat(predicates.textUnanswered().matches(exchange(hit))).isFalse();
    }

    @Test
    void shouldPassOnlyTextsThatRunTheirOwnInference() {
        PredictionTask own = task("anonymous");
        PredictionTask twin = task("anonymous");
        twin.shareInference(new CompletableFuture<>());

        assertThat(predicates.ownInference().matches(exchange(own))).isTrue();
        assertThat(predicates.ownInference().matches(exchange(twin))).isFalse();
    }

    @Test
    void shouldPassOnlyCallersTexts() {
        assertThat(predicates.callerText().matches(exchange(task("mailer")))).isTrue();
        assertThat(predicates.callerText().matches(exchange(task(PredictionTask.WARM_UP_PRINCIPAL)))).isFalse();
        assertThat(predicates.callerText().matches(exchange(task(PredictionTask.CACHE_WARMING_PRINCIPAL)))).isFalse();
    }

    @Test
    void shouldPassNoNullBodyAndRefuseAnyOtherButAText() {
        for (var predicate : List.of(predicates.textUnanswered(), predicates.ownInference(), predicates.callerText())) {
            assertThat(predicate.matches(exchange(null))).isFalse();
            for (Object body : new Object[] {"a text", List.of(task("mailer"))}) {
                assertThatThrownBy(() -> predicate.matches(exchange(body)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("not a " + body.getClass().getName());
            }
        }
        assertThatThrownBy(() -> predicates.textUnanswered().matches(exchange("a text")))
                .hasMessageStartingWith("predicate textUnanswered");
    }

    private Exchange exchange(Object body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getIn().setBody(body);
        return exchange;
    }

    private static PredictionTask task(String principal) {
        return new PredictionTask("r", 0, "http", principal, "win a prize",
                new EnsembleSpec(List.of(), EnsembleMethod.SOFT, Map.of()), System.nanoTime());
    }
}
