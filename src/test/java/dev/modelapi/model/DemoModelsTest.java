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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committed demo models, served by the Java inference core, against what Python computed and
 * against issue #18's targets: accuracy on the held-out messages and on their short forms, ham
 * false positives, calibration, and the int8 variant's agreement with version 1.
 */
class DemoModelsTest {

    private static final Logger log = LoggerFactory.getLogger(DemoModelsTest.class);
    private static final ModelProperties SETTINGS =
            new ModelProperties(EvalData.MODELS, 2, Duration.ofSeconds(60), "auto", true);

    private static final double INT8_BATCH_TOLERANCE = 0.005;

    /**
     * How close version 1's logits are to Python's: the same float kernels give the same numbers
     * to 1e-4. An int8 variant's are as close only on the same kind of CPU: libtorch's int8 matrix
     * products (fbgemm) pick their kernels by instruction set, and AVX2's saturating 16-bit
     * accumulation and AVX-512 VNNI's exact 32-bit one round differently. The reference was
     * recorded on the machine the models were trained on (an AMD EPYC); on an Intel Xeon with
     * AVX-512 VNNI the logits moved by up to 7e-4.
     */
    private static final float FP32_LOGIT_TOLERANCE = 1e-4f;
    private static final float INT8_LOGIT_TOLERANCE = 5e-3f;

    /** Also the probabilities' tolerance: a two-label softmax moves by at most half as much as its logits. */
    private static float logitTolerance(String version) {
        return version.equals(EvalData.INT8) ? INT8_LOGIT_TOLERANCE : FP32_LOGIT_TOLERANCE;
    }

    static ModelRegistry registry;

    /** Per model and version, the spam probabilities served for the full messages and for the short forms. */
    private static final Map<String, double[]> SPAM_FULL = new ConcurrentHashMap<>();
    private static final Map<String, double[]> SPAM_SHORT = new ConcurrentHashMap<>();

    @BeforeAll
    static void loadDemoModels() throws ModelLoadException {
        registry = ModelRegistry.loadFrom(EvalData.MODELS, SETTINGS);
        for (String name : EvalData.modelsWithReferenceLogits()) {
            registry.load(name, EvalData.INT8); // variants are not loaded at start-up
        }
    }

    @AfterAll
    static void unload() {
        registry.close();
    }

    static List<String> demoModels() {
        return EvalData.modelsWithReferenceLogits();
    }

    /** Every demo model as {@code name:version}, version 1 and its int8 variant. */
    static List<String> demoVersions() {
        return demoModels().stream().flatMap(n -> Stream.of(n + ":1", n + ":" + EvalData.INT8)).toList();
    }

    private static TextClassifier classifier(String nameAndVersion) {
        String[] parts = nameAndVersion.split(":");
        return registry.find(parts[0], parts[1]).orElseThrow();
    }

    @Test
    void shouldLoadAtLeastThreeDemoModelsLabelledSpamAndHamWithVersionOneTheDefault() {
        assertThat(registry.failures()).isEmpty();
        assertThat(demoModels()).hasSizeGreaterThanOrEqualTo(3);
        for (String name : demoModels()) {
            assertThat(registry.find(name)).as(name).isPresent();
            assertThat(registry.defaultVersion(name)).as(name).contains("1");
            assertThat(registry.find(name, EvalData.INT8)).as(name + " int8").isPresent();
            assertThat(registry.find(name).orElseThrow().labels()).as(name).containsExactly("ham", "spam");
        }
    }

    @Test
    void shouldLeaveTheVariantsOnDiskAtStartUp() {
        try (ModelRegistry atStartUp = ModelRegistry.loadFrom(EvalData.MODELS,
                new ModelProperties(EvalData.MODELS, 1, Duration.ofSeconds(60), "cpu", false))) {
            for (String name : demoModels()) {
                assertThat(atStartUp.find(name, "1")).as(name).isPresent();
                assertThat(atStartUp.find(name, EvalData.INT8)).as(name + " int8").isEmpty();
                assertThat(atStartUp.versionsOnDisk(name)).as(name).contains("1", EvalData.INT8);
            }
            // the first request naming a variant loads it, and the default stays version 1
            String name = demoModels().get(0);
            assertThat(atStartUp.loadOnDemand(name, EvalData.INT8)).isPresent();
            assertThat(atStartUp.defaultVersion(name)).contains("1");
        }
    }

    @ParameterizedTest
    @MethodSource("demoVersions")
    void shouldComputeTheSameLogitsAsPython(String nameAndVersion) throws Exception {
        TextClassifier classifier = classifier(nameAndVersion);
        String name = classifier.name();
        ModelDirectory directory = classifier.directory();
        Map<String, EvalData.Message> messages = EvalData.testSplitById();
        List<EvalData.Logits> expected = EvalData.pythonLogits(name, classifier.version());
        assertThat(expected).hasSizeGreaterThanOrEqualTo(20);

        try (ZooModel<NDList, NDList> raw = rawModel(directory);
                Predictor<NDList, NDList> predictor = raw.newPredictor();
                HuggingFaceTokenizer tokenizer = tokenizerOf(directory);
                NDManager manager = NDManager.newBaseManager()) {
            for (EvalData.Logits reference : expected) {
                Encoding encoding = tokenizer.encode(messages.get(reference.id()).text());
                NDList input = encoding.toNDList(manager, directory.includesTokenTypes(), false);
                float[] logits = predictor.predict(input).get(0).toFloatArray();

                assertThat(logits).as("%s logits of %s", nameAndVersion, reference.id())
                        .containsExactly(reference.logits(), within(logitTolerance(classifier.version())));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("demoVersions")
    void shouldServeTheSoftmaxOfPythonsLogits(String nameAndVersion) {
        TextClassifier classifier = classifier(nameAndVersion);
        Map<String, EvalData.Message> messages = EvalData.testSplitById();
        List<EvalData.Logits> expected = EvalData.pythonLogits(classifier.name(), classifier.version());
        List<String> texts = expected.stream().map(l -> messages.get(l.id()).text()).toList();

        // Python's reference is one text per call; an int8 model quantises its activations per
        // call, so its logits move a little with what a text is batched with: one text per call here
        List<Prediction> served = classifier.version().equals(EvalData.INT8)
                ? texts.stream().map(t -> classifier.classify(List.of(t)).get(0)).toList()
                : classifier.classify(texts);

        for (int i = 0; i < expected.size(); i++) {
            double[] probabilities = EvalData.softmax(expected.get(i).logits());
            Prediction prediction = served.get(i);
            double tolerance = logitTolerance(classifier.version());
            assertThat(prediction.probabilities().get("ham")).isCloseTo(probabilities[0], within(tolerance));
            assertThat(prediction.probabilities().get("spam")).isCloseTo(probabilities[1], within(tolerance));
            assertThat(prediction.label()).isEqualTo(probabilities[1] > probabilities[0] ? "spam" : "ham");
            assertThat(prediction.score()).isEqualTo(prediction.probabilities().get(prediction.label()));
        }
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldReachTheTargetsOnTheHeldOutMessagesAndTheirShortForms(String name) {
        Scores full = Scores.of(EvalData.testSplit(), spamProbabilities(name + ":1", false));
        Scores forms = Scores.of(EvalData.testShortForms(), spamProbabilities(name + ":1", true));
        log.info("{}: held-out {}; short forms {}", name, full, forms);

        assertThat(full.count()).isGreaterThan(500);
        assertThat(forms.count()).isGreaterThan(2 * full.count());
        full.assertTargets(name + " held-out", 0.97, 0.95, 1.0);
        forms.assertTargets(name + " short forms", 0.90, 0.0, 0.05);
    }

    @Test
    void shouldReachTheTargetsWithTheMeanOfTheThreeModels() {
        List<String> names = demoModels();
        double[][] full = names.stream().map(n -> spamProbabilities(n + ":1", false)).toArray(double[][]::new);
        double[][] forms = names.stream().map(n -> spamProbabilities(n + ":1", true)).toArray(double[][]::new);
        Scores ensembleFull = Scores.of(EvalData.testSplit(), mean(full));
        Scores ensembleForms = Scores.of(EvalData.testShortForms(), mean(forms));
        log.info("ensemble (mean of {}): held-out {}; short forms {}", names, ensembleFull, ensembleForms);

        ensembleFull.assertTargets("ensemble held-out", 0.97, 0.95, 1.0);
        ensembleForms.assertTargets("ensemble short forms", 0.90, 0.0, 0.05);
    }

    @ParameterizedTest
    @MethodSource("demoModels")
    void shouldAnswerWithTheInt8VariantAsVersionOneDoes(String name) {
        for (boolean shortForms : new boolean[] {false, true}) {
            List<EvalData.Message> texts = shortForms ? EvalData.testShortForms() : EvalData.testSplit();
            double[] fp32 = spamProbabilities(name + ":1", shortForms);
            double[] int8 = spamProbabilities(name + ":" + EvalData.INT8, shortForms);
            int agree = 0;
            for (int i = 0; i < fp32.length; i++) {
                agree += (fp32[i] >= 0.5) == (int8[i] >= 0.5) ? 1 : 0;
            }
            Scores one = Scores.of(texts, fp32);
            Scores variant = Scores.of(texts, int8);
            String set = shortForms ? "short forms" : "held-out";
            log.info("{} int8 on {}: {}; label agreement with version 1 {}", name, set, variant,
                    String.format("%.4f", agree / (double) fp32.length));

            assertThat(agree / (double) fp32.length).as("%s int8 label agreement, %s", name, set)
                    .isGreaterThanOrEqualTo(0.995);
            assertThat(variant.accuracy()).as("%s int8 accuracy, %s", name, set)
                    .isGreaterThanOrEqualTo(one.accuracy() - 0.005);
        }
    }

    /** The spam probability served for each text, batches of 16 in file order (the service's max batch). */
    private static double[] spamProbabilities(String nameAndVersion, boolean shortForms) {
        Map<String, double[]> cache = shortForms ? SPAM_SHORT : SPAM_FULL;
        return cache.computeIfAbsent(nameAndVersion, key -> {
            TextClassifier classifier = classifier(key);
            List<EvalData.Message> texts = shortForms ? EvalData.testShortForms() : EvalData.testSplit();
            double[] spam = new double[texts.size()];
            for (int from = 0; from < texts.size(); from += 16) {
                List<EvalData.Message> batch = texts.subList(from, Math.min(from + 16, texts.size()));
                List<Prediction> predictions = classifier.classify(batch.stream().map(EvalData.Message::text).toList());
                for (int i = 0; i < batch.size(); i++) {
                    spam[from + i] = predictions.get(i).probabilities().get("spam");
                }
            }
            return spam;
        });
    }

    private static double[] mean(double[][] rows) {
        double[] mean = new double[rows[0].length];
        for (double[] row : rows) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += row[i] / rows.length;
            }
        }
        return mean;
    }

    /**
     * Accuracy, spam F1, the ham false-positive rate and the expected calibration error (10 equal
     * bins of the answered label's probability) of spam probabilities against the labels.
     */
    record Scores(int count, double accuracy, double spamF1, double hamFalsePositiveRate, double calibrationError) {

        static Scores of(List<EvalData.Message> texts, double[] spam) {
            assertThat(spam).hasSize(texts.size());
            int tp = 0;
            int fp = 0;
            int fn = 0;
            int tn = 0;
            double[] confidence = new double[10];
            int[] correct = new int[10];
            int[] members = new int[10];
            for (int i = 0; i < spam.length; i++) {
                boolean actual = texts.get(i).label().equals("spam");
                boolean said = spam[i] >= 0.5;
                tp += actual && said ? 1 : 0;
                fp += !actual && said ? 1 : 0;
                fn += actual && !said ? 1 : 0;
                tn += !actual && !said ? 1 : 0;
                double answered = said ? spam[i] : 1 - spam[i];
                int bin = Math.min(9, (int) (answered * 10));
                members[bin]++;
                confidence[bin] += answered;
                correct[bin] += actual == said ? 1 : 0;
            }
            double ece = 0;
            for (int b = 0; b < 10; b++) {
                if (members[b] > 0) {
                    ece += Math.abs(confidence[b] / members[b] - correct[b] / (double) members[b])
                            * members[b] / spam.length;
                }
            }
            double f1 = 2.0 * tp / (2.0 * tp + fp + fn);
            return new Scores(spam.length, (tp + tn) / (double) spam.length, f1, fp / (double) (fp + tn), ece);
        }

        void assertTargets(String what, double minAccuracy, double minSpamF1, double maxHamFalsePositives) {
            assertThat(accuracy).as(what + " accuracy").isGreaterThanOrEqualTo(minAccuracy);
            assertThat(spamF1).as(what + " spam F1").isGreaterThanOrEqualTo(minSpamF1);
            assertThat(hamFalsePositiveRate).as(what + " ham false-positive rate").isLessThanOrEqualTo(maxHamFalsePositives);
            assertThat(calibrationError).as(what + " expected calibration error").isLessThanOrEqualTo(0.05);
        }

        @Override
        public String toString() {
            return String.format("%d texts, accuracy %.4f, spam F1 %.4f, ham false positives %.4f, ECE %.4f",
                    count, accuracy, spamF1, hamFalsePositiveRate, calibrationError);
        }
    }

    @ParameterizedTest
    @MethodSource("demoVersions")
    void shouldAnswerABatchOfMixedLengthsAsItAnswersTheTextsOneByOne(String nameAndVersion) {
        TextClassifier classifier = classifier(nameAndVersion);
        List<String> texts = mixedLengths();
        // an int8 model quantises each call's activations with one scale, so a batch-mate moves
        // its scores a little (measured: at most 5.4e-4 on these texts, the demo models of 2026-12-01)
        double tolerance = classifier.version().equals(EvalData.INT8) ? INT8_BATCH_TOLERANCE : 1e-4;

        List<Prediction> batched = classifier.classify(texts);

        assertThat(batched).hasSameSizeAs(texts);
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            Prediction alone = classifier.classify(List.of(texts.get(i))).get(0);
            assertThat(batched.get(i).label()).as("text %d", i).isEqualTo(alone.label());
            assertThat(batched.get(i).probabilities().get("spam"))
                    .as("text %d of %d characters", i, texts.get(i).length())
                    .isCloseTo(alone.probabilities().get("spam"), within(tolerance));
            worst = Math.max(worst, Math.abs(batched.get(i).probabilities().get("spam")
                    - alone.probabilities().get("spam")));
        }
        log.info("{}: batched against alone, largest spam probability difference {}", nameAndVersion, worst);
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
