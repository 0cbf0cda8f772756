package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.NoopTranslator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The committed demo models, served by the Java inference core, against what Python computed. */
class DemoModelsTest {

    private static final Logger log = LoggerFactory.getLogger(DemoModelsTest.class);
    private static final ModelProperties SETTINGS =
            new ModelProperties(EvalData.MODELS, 2, Duration.ofSeconds(60), "auto", true);

    static ModelRegistry registry;

    @BeforeAll
    static void loadDemoModels() {
        registry = ModelRegistry.loadFrom(EvalData.MODELS, SETTINGS);
    }

    @AfterAll
    static void unload() {
        registry.close();
    }

    static List<String> demoModels() {
        return EvalData.modelsWithReferenceLogits();
    }

    @Test
    void shouldLoadAtLeastThreeDemoModelsLabelledSpamAndHam() {
        assertThat(registry.failures()).isEmpty();
        assertThat(demoModels()).hasSizeGreaterThanOrEqualTo(3);
        for (String name : demoModels()) {
            assertThat(registry.find(name)).as(name).isPresent();
            assertThat(registry.find(name).orElseThrow().labels()).as(name).containsExactly("ham", "spam");
        }
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldComputeTheSameLogitsAsPython(String name) throws Exception {
        ModelDirectory directory = registry.find(name).orElseThrow().directory();
        Map<String, EvalData.Message> messages = EvalData.testSplitById();
        List<EvalData.Logits> expected = EvalData.pythonLogits(name);
        assertThat(expected).hasSizeGreaterThanOrEqualTo(20);

        try (ZooModel<NDList, NDList> raw = rawModel(directory);
                Predictor<NDList, NDList> predictor = raw.newPredictor();
                HuggingFaceTokenizer tokenizer = tokenizerOf(directory);
                NDManager manager = NDManager.newBaseManager()) {
            for (EvalData.Logits reference : expected) {
                Encoding encoding = tokenizer.encode(messages.get(reference.id()).text());
                NDList input = encoding.toNDList(manager, directory.includesTokenTypes(), false);
                float[] logits = predictor.predict(input).get(0).toFloatArray();

                assertThat(logits).as("%s logits of %s", name, reference.id())
                        .containsExactly(reference.logits(), within(1e-4f));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldServeTheSoftmaxOfPythonsLogits(String name) {
        TextClassifier classifier = registry.find(name).orElseThrow();
        Map<String, EvalData.Message> messages = EvalData.testSplitById();
        List<EvalData.Logits> expected = EvalData.pythonLogits(name);

        List<Prediction> served = classifier.classify(
                expected.stream().map(l -> messages.get(l.id()).text()).toList());

        for (int i = 0; i < expected.size(); i++) {
            double[] probabilities = EvalData.softmax(expected.get(i).logits());
            Prediction prediction = served.get(i);
            assertThat(prediction.probabilities().get("ham")).isCloseTo(probabilities[0], within(1e-4));
            assertThat(prediction.probabilities().get("spam")).isCloseTo(probabilities[1], within(1e-4));
            assertThat(prediction.label()).isEqualTo(probabilities[1] > probabilities[0] ? "spam" : "ham");
            assertThat(prediction.score()).isEqualTo(prediction.probabilities().get(prediction.label()));
        }
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldReachTheAccuracyAndSpamF1TargetsOnTheHeldOutTestSplit(String name) {
        TextClassifier classifier = registry.find(name).orElseThrow();
        List<EvalData.Message> testSplit = EvalData.testSplit();
        assertThat(testSplit).hasSizeGreaterThan(500);

        int truePositives = 0;
        int falsePositives = 0;
        int falseNegatives = 0;
        int correct = 0;
        for (int from = 0; from < testSplit.size(); from += 32) {
            List<EvalData.Message> batch = testSplit.subList(from, Math.min(from + 32, testSplit.size()));
            List<Prediction> predictions = classifier.classify(batch.stream().map(EvalData.Message::text).toList());
            for (int i = 0; i < batch.size(); i++) {
                boolean actualSpam = batch.get(i).label().equals("spam");
                boolean predictedSpam = predictions.get(i).label().equals("spam");
                correct += actualSpam == predictedSpam ? 1 : 0;
                truePositives += actualSpam && predictedSpam ? 1 : 0;
                falsePositives += !actualSpam && predictedSpam ? 1 : 0;
                falseNegatives += actualSpam && !predictedSpam ? 1 : 0;
            }
        }
        double accuracy = (double) correct / testSplit.size();
        double precision = truePositives / (double) (truePositives + falsePositives);
        double recall = truePositives / (double) (truePositives + falseNegatives);
        double f1 = 2 * precision * recall / (precision + recall);
        log.info("{} on {} test messages: accuracy {} spam precision {} recall {} F1 {}", name, testSplit.size(),
                String.format("%.4f", accuracy), String.format("%.4f", precision), String.format("%.4f", recall),
                String.format("%.4f", f1));

        assertThat(accuracy).as(name + " accuracy").isGreaterThanOrEqualTo(0.95);
        assertThat(f1).as(name + " spam F1").isGreaterThanOrEqualTo(0.90);
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldAnswerABatchOfMixedLengthsAsItAnswersTheTextsOneByOne(String name) {
        TextClassifier classifier = registry.find(name).orElseThrow();
        List<String> texts = mixedLengths();

        List<Prediction> batched = classifier.classify(texts);

        assertThat(batched).hasSameSizeAs(texts);
        for (int i = 0; i < texts.size(); i++) {
            Prediction alone = classifier.classify(List.of(texts.get(i))).get(0);
            assertThat(batched.get(i).label()).as("text %d", i).isEqualTo(alone.label());
            assertThat(batched.get(i).probabilities().get("spam"))
                    .as("text %d of %d characters", i, texts.get(i).length())
                    .isCloseTo(alone.probabilities().get("spam"), within(1e-4));
        }
    }

    @Test
    void shouldGiveEachConcurrentCallerItsOwnAnswers() throws Exception {
        TextClassifier classifier = registry.find(demoModels().get(0)).orElseThrow();
        List<String> texts = mixedLengths();
        List<Prediction> expected = classifier.classify(texts);

        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<List<Prediction>>> calls = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                List<String> rotated = new ArrayList<>(texts);
                java.util.Collections.rotate(rotated, i);
                int shift = i;
                calls.add(() -> {
                    List<Prediction> answers = new ArrayList<>(classifier.classify(rotated));
                    java.util.Collections.rotate(answers, -shift);
                    return answers;
                });
            }
            for (Future<List<Prediction>> answers : pool.invokeAll(calls)) {
                List<Prediction> got = answers.get();
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(got.get(i).probabilities().get("spam"))
                            .isCloseTo(expected.get(i).probabilities().get("spam"), within(1e-4));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(classifier.busyWorkers()).isZero();
    }

    /** The shortest and longest test messages and some between: padding, truncation and both. */
    private static List<String> mixedLengths() {
        List<String> byLength = new ArrayList<>(EvalData.testSplit().stream().map(EvalData.Message::text).toList());
        byLength.sort(Comparator.comparingInt(String::length));
        int n = byLength.size();
        return List.of(byLength.get(0), byLength.get(n - 1), byLength.get(n / 4), "Win a FREE prize now!!!",
                byLength.get(n / 2), byLength.get(n - 2), byLength.get(1), byLength.get(3 * n / 4));
    }

    private static ZooModel<NDList, NDList> rawModel(ModelDirectory directory) throws Exception {
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(directory.path())
                .optEngine("PyTorch")
                .optTranslator(new NoopTranslator(Batchifier.STACK))
                .build()
                .loadModel();
    }

    /** The tokenizer exactly as DJL's translator factory builds it from serving.properties. */
    private static HuggingFaceTokenizer tokenizerOf(ModelDirectory directory) throws Exception {
        Properties properties = directory.properties();
        Map<String, String> arguments = new HashMap<>();
        properties.stringPropertyNames().stream().filter(k -> !k.startsWith("option."))
                .forEach(k -> arguments.put(k, properties.getProperty(k)));
        return HuggingFaceTokenizer.builder(arguments).optTokenizerPath(directory.path()).build();
    }
}
