package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.ensemble.EnsembleResolver;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.pipeline.PredictionTask;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/** The pipeline's steps, addressed by their ids in routes/*.camel.yaml, observed with mocks woven around them. */
@CamelSpringBootTest
@UseAdviceWith
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.batching.max-delay=200ms", "modelapi.batching.max-batch-size=32"})
class PipelineRoutesTest {

    @Autowired
    CamelContext camel;

    @Autowired
    ProducerTemplate producer;

    @Autowired
    EnsembleResolver ensembles;

    static boolean advised;

    @BeforeEach
    void weaveMocks() throws Exception {
        if (!advised) {
            AdviceWith.adviceWith(camel, "predict-text", a -> a.weaveById("batch-submit").before().to("mock:batcher"));
            AdviceWith.adviceWith(camel, "ensemble", a -> a.weaveById("ensemble-multicast").before().to("mock:ensemble"));
            AdviceWith.adviceWith(camel, "audit-store", a -> a.weaveById("audit-enabled").replace()
                    .to("mock:audit").throwException(new IllegalStateException("audit database down")));
            camel.start();
            advised = true;
        }
        MockEndpoint.resetMocks(camel);
    }

    @Test
    void shouldSkipTheBatcherOnACacheHit() throws Exception {
        MockEndpoint batcher = camel.getEndpoint("mock:batcher", MockEndpoint.class);
        batcher.expectedMessageCount(1);
        String text = "Subject: cache me " + UUID.randomUUID();

        List<PredictionTask> first = predict(List.of(text));
        List<PredictionTask> second = predict(List.of(text));

        batcher.assertIsSatisfied(TimeUnit.SECONDS.toMillis(5));
        assertThat(first.get(0).cached()).isFalse();
        assertThat(second.get(0).cached()).isTrue();
        assertThat(second.get(0).result().label()).isEqualTo(first.get(0).result().label());
    }

    @Test
    void shouldRunTheModelsOnceForIdenticalTextsInFlightTogether() throws Exception {
        MockEndpoint ensemble = camel.getEndpoint("mock:ensemble", MockEndpoint.class);
        ensemble.expectedMessageCount(1);
        String text = "Subject: same text " + UUID.randomUUID();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            texts.add(text);
        }

        List<PredictionTask> answered = predict(texts);

        ensemble.assertIsSatisfied(TimeUnit.SECONDS.toMillis(5));
        assertThat(ensemble.getExchanges().get(0).getIn().getBody(List.class)).hasSize(1);
        assertThat(answered).allSatisfy(t -> assertThat(t.result().label()).isEqualTo(answered.get(0).result().label()));
        assertThat(answered).filteredOn(t -> !t.cached()).hasSize(1);
    }

    @Test
    void shouldBatchTheTextsOfOneRequestTogether() throws Exception {
        MockEndpoint ensemble = camel.getEndpoint("mock:ensemble", MockEndpoint.class);
        ensemble.expectedMessageCount(1);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            texts.add("Subject: text " + i + " " + UUID.randomUUID());
        }

        List<PredictionTask> answered = predict(texts);

        ensemble.assertIsSatisfied(TimeUnit.SECONDS.toMillis(5));
        assertThat(answered).allSatisfy(t -> assertThat(t.batchSize()).isEqualTo(6));
    }

    @Test
    void shouldRunLongTextsOneAtATimeAndShortTextsTogether() throws Exception {
        MockEndpoint ensemble = camel.getEndpoint("mock:ensemble", MockEndpoint.class);
        ensemble.expectedMessageCount(4);
        String body = "lorem ipsum dolor sit amet ".repeat(80); // ~2,000 characters: past the 256-token budget
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            texts.add("Subject: long " + i + " " + UUID.randomUUID() + "\n\n" + body);
        }
        for (int i = 0; i < 5; i++) {
            texts.add("Subject: short " + i + " " + UUID.randomUUID());
        }

        List<PredictionTask> answered = predict(texts);

        ensemble.assertIsSatisfied(TimeUnit.SECONDS.toMillis(5));
        List<Integer> batchSizes = ensemble.getExchanges().stream()
                .map(e -> e.getIn().getBody(List.class).size()).sorted().toList();
        assertThat(batchSizes).containsExactly(1, 1, 1, 5);
        assertThat(answered.subList(0, 3)).allSatisfy(t -> assertThat(t.batchSize()).isEqualTo(1));
        assertThat(answered.subList(3, 8)).allSatisfy(t -> assertThat(t.batchSize()).isEqualTo(5));
    }

    @Test
    void shouldAnswerEvenWhenTheAuditWriteFails() throws Exception {
        MockEndpoint audit = camel.getEndpoint("mock:audit", MockEndpoint.class);
        audit.expectedMinimumMessageCount(1);

        List<PredictionTask> answered = predict(List.of("Subject: audit down " + UUID.randomUUID()));

        assertThat(answered.get(0).answered()).isTrue();
        audit.assertIsSatisfied(TimeUnit.SECONDS.toMillis(5));
    }

    private List<PredictionTask> predict(List<String> texts) {
        EnsembleSpec ensemble = ensembles.resolve(null, null, null);
        String requestId = UUID.randomUUID().toString();
        List<PredictionTask> tasks = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            tasks.add(new PredictionTask(requestId, i, "test", "anonymous", texts.get(i), ensemble, System.nanoTime()));
        }
        producer.requestBody("direct:predict", tasks);
        return tasks;
    }
}
