package dev.modelapi.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.errors.QuorumNotMetException;
import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.model.Prediction;
import dev.modelapi.testsupport.RouteFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.model.Resilience4jConfigurationDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * routes/ensemble.camel.yaml on its own, in a second: the real multicast, answer strategy, vote
 * and model-call routes made from the file's template by the real modelCalls (bulkhead, breaker
 * of the named configuration model-call: opens once 2 calls of the last 4 failed), the models a
 * stand-in invoker: {@code good} and {@code fair} answer every text spam, {@code broken} throws.
 */
class EnsembleRoutesTest {

    static final ModelRef GOOD = new ModelRef("good", "1");
    static final ModelRef FAIR = new ModelRef("fair", "1");
    static final ModelRef BROKEN = new ModelRef("broken", "1");

    @TempDir
    Path repository;

    RouteFiles routes;
    ModelRegistry registry;
    ExecutorService pool;
    final ModelsStandIn models = new ModelsStandIn();

    /** The modelInvoker bean's classify, without models: counts each model's calls. */
    public static final class ModelsStandIn {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        public ModelAnswer classify(List<String> texts, String modelId, long timeoutMillis) {
            calls.computeIfAbsent(modelId, m -> new AtomicInteger()).incrementAndGet();
            if (modelId.startsWith("broken")) {
                throw new IllegalStateException("the model's forward failed");
            }
            return ModelAnswer.answered(ModelRef.parse(modelId), texts.stream()
                    .map(t -> new Prediction("spam", 0.8, Map.of("spam", 0.8, "ham", 0.2))).toList());
        }

        int callsOf(ModelRef model) {
            return calls.getOrDefault(model.toString(), new AtomicInteger()).get();
        }
    }

    @BeforeEach
    void load() throws Exception {
        Files.createDirectories(repository);
        registry = ModelRegistry.loadFrom(repository, new ModelProperties(repository, 1, Duration.ofSeconds(5), "cpu", false));
        pool = Executors.newFixedThreadPool(4);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        EnsembleProperties settings = new EnsembleProperties("", List.of(), EnsembleMethod.SOFT, Map.of(), 1, Map.of(),
                new EnsembleProperties.ModelCall(5_000, 16, 50, 4, 2, 60, 1));
        routes = RouteFiles.of(camel -> {
                    ModelCalls calls = new ModelCalls(camel, registry, Duration.ofHours(1));
                    return Map.of(
                            "modelCalls", calls,
                            "modelAnswers", new ModelAnswersStrategy(calls, meters),
                            "voter", new Voter(meters, settings),
                            "modelInvoker", models,
                            "ensemble-pool", pool,
                            "model-call", new Resilience4jConfigurationDefinition().slidingWindowSize(4)
                                    .minimumNumberOfCalls(2).failureRateThreshold(50).waitDurationInOpenState(60));
                },
                Map.of("modelapi.ensemble.model-call.max-concurrent-calls", "16",
                        "modelapi.ensemble.model-call.timeout-millis", "5000"),
                "ensemble.camel.yaml").start();
    }

    @AfterEach
    void close() {
        routes.close();
        pool.shutdownNow();
        registry.close();
    }

    @Test
    void shouldAskEveryModelThroughItsOwnRouteAndVoteOneAnswerPerText() {
        Exchange done = run(new EnsembleSpec(List.of(GOOD, FAIR), EnsembleMethod.SOFT, Map.of()), "a", "b", "c");

        assertThat(RouteFiles.steps(done)).containsSubsequence("ensemble-multicast", "vote");
        assertThat(routes.camel().getRoute("model-call-good-1")).isNotNull();
        assertThat(routes.camel().getRoute("model-call-fair-1")).isNotNull();
        List<EnsembleResult> results = results(done);
        assertThat(results).hasSize(3).allSatisfy(r -> {
            assertThat(r.label()).isEqualTo("spam");
            assertThat(r.models()).hasSize(2);
            assertThat(r.degraded()).isFalse();
        });
        assertThat(models.callsOf(GOOD)).isEqualTo(1);
        assertThat(models.callsOf(FAIR)).isEqualTo(1);
    }

    @Test
    void shouldLeaveAFailingModelOutWhileTheQuorumHolds() {
        Exchange done = run(new EnsembleSpec(List.of(GOOD, BROKEN), EnsembleMethod.SOFT, Map.of()), "a");

        EnsembleResult result = results(done).get(0);
        assertThat(result.degraded()).isTrue();
        assertThat(result.models()).extracting(ModelVote::name).containsExactly("good");
        assertThat(result.failed()).singleElement().satisfies(f -> {
            assertThat(f.name()).isEqualTo("broken");
            assertThat(f.reason()).isEqualTo(ModelFailure.ERROR);
        });
    }

    @Test
    void shouldFailTheBatchWhenFewerModelsAnswerThanTheQuorum() {
        Exchange done = run(new EnsembleSpec(List.of(GOOD, BROKEN), EnsembleMethod.SOFT, Map.of(), 2, null), "a");

        assertThat(done.getException()).isInstanceOf(QuorumNotMetException.class);
    }

    @Test
    void shouldStopCallingAModelOnceItsBreakerOpens() {
        EnsembleSpec ensemble = new EnsembleSpec(List.of(GOOD, BROKEN), EnsembleMethod.SOFT, Map.of());
        for (int i = 0; i < 6; i++) {
            assertThat(results(run(ensemble, "a")).get(0).degraded()).isTrue();
        }

        assertThat(models.callsOf(BROKEN)).as("calls that reached the model before the breaker opened").isEqualTo(2);
        assertThat(models.callsOf(GOOD)).isEqualTo(6);
        assertThat(results(run(ensemble, "a")).get(0).failed()).singleElement()
                .satisfies(f -> assertThat(f.reason()).isEqualTo(ModelFailure.CIRCUIT_OPEN));
    }

    private Exchange run(EnsembleSpec ensemble, String... texts) {
        return routes.camel().createProducerTemplate().send("direct:ensemble", e -> {
            e.setProperty("ensemble", ensemble);
            e.getIn().setBody(List.of(texts));
        });
    }

    @SuppressWarnings("unchecked")
    private static List<EnsembleResult> results(Exchange done) {
        assertThat(done.getException()).isNull();
        return done.getMessage().getBody(List.class);
    }
}
