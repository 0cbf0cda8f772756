package dev.modelapi.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.EngineException;
import ai.djl.huggingface.translator.TextClassificationTranslatorFactory;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded text classifier. DJL predictors are not thread-safe, so each inference worker borrows
 * a predictor of its own from a fixed pool; the pool size bounds how many batches of this model run
 * at once. Tokenisation, softmax and label mapping are DJL's {@link TextClassificationTranslatorFactory}.
 */
public final class TextClassifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TextClassifier.class);
    private static final List<String> WARM_UP_TEXTS = List.of("warm-up", "a second, longer warm-up text of a few more words");

    private final ModelDirectory directory;
    private final ZooModel<String, Classifications> model;
    private final List<Predictor<String, Classifications>> predictors;
    private final BlockingQueue<Predictor<String, Classifications>> idle;
    private final Duration predictorWait;
    private final Duration loadTime;
    private final Instant loadedAt = Instant.now();
    private volatile Instant lastUsed;
    private volatile boolean closed;

    private TextClassifier(ModelDirectory directory, ZooModel<String, Classifications> model, int workers,
            Duration predictorWait, Duration loadTime) {
        this.directory = directory;
        this.model = model;
        this.predictorWait = predictorWait;
        this.loadTime = loadTime;
        this.predictors = new ArrayList<>(workers);
        this.idle = new ArrayBlockingQueue<>(workers);
        for (int i = 0; i < workers; i++) {
            Predictor<String, Classifications> predictor = model.newPredictor();
            predictors.add(predictor);
            idle.add(predictor);
        }
    }

    /** Loads a checked model directory, warms it up and checks that its output matches its labels. */
    public static TextClassifier load(ModelDirectory directory, ModelProperties settings) throws ModelLoadException {
        long start = System.nanoTime();
        Criteria.Builder<String, Classifications> builder = Criteria.builder()
                .setTypes(String.class, Classifications.class)
                .optModelPath(directory.path())
                .optEngine(ModelDirectory.ENGINE)
                .optTranslatorFactory(new TextClassificationTranslatorFactory());
        Device device = device(settings.device());
        if (device != null) {
            builder.optDevice(device);
        }
        ZooModel<String, Classifications> model;
        try {
            model = builder.build().loadModel();
        } catch (ModelNotFoundException | MalformedModelException | IOException | EngineException e) {
            throw new ModelLoadException(blame(directory, e), "DJL could not load it: " + rootMessage(e), e);
        }
        TextClassifier classifier = new TextClassifier(directory, model, settings.workersPerModel(),
                settings.predictorWait(), Duration.ofNanos(System.nanoTime() - start));
        try {
            if (settings.warmUp()) {
                classifier.warmUp();
            }
        } catch (RuntimeException e) {
            classifier.close();
            throw new ModelLoadException(directory.modelFile(), "warm-up inference failed: " + rootMessage(e), e);
        }
        log.info("Loaded {} on {} with {} workers in {} ms", directory.id(), model.getNDManager().getDevice(),
                settings.workersPerModel(), classifier.loadTime().toMillis());
        return classifier;
    }

    /**
     * Classifies a batch; the answers are in input order. The batch runs on the calling thread with
     * one predictor of the pool.
     *
     * @throws ModelUnavailableException when the model is closed or no predictor came free in time
     * @throws InferenceException when the model itself fails
     */
    public List<Prediction> classify(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        Predictor<String, Classifications> predictor = borrow();
        try {
            List<Classifications> outputs = predictor.batchPredict(texts);
            List<Prediction> predictions = new ArrayList<>(outputs.size());
            for (Classifications output : outputs) {
                predictions.add(toPrediction(output));
            }
            return predictions;
        } catch (TranslateException | EngineException e) {
            throw new InferenceException("inference_failed", directory.id() + " failed: " + rootMessage(e), e);
        } finally {
            idle.offer(predictor);
        }
    }

    public ModelDirectory directory() {
        return directory;
    }

    public String name() {
        return directory.name();
    }

    public String version() {
        return directory.version();
    }

    public List<String> labels() {
        return directory.labels();
    }

    public Duration loadTime() {
        return loadTime;
    }

    /** The size of the predictor pool. */
    public int workers() {
        return predictors.size();
    }

    /** Predictors lent out right now. */
    public int busyWorkers() {
        return predictors.size() - idle.size();
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** When a batch last borrowed a predictor; null when never used since load. */
    public Instant lastUsed() {
        return lastUsed;
    }

    /** Size of the TorchScript file: the weights, a lower bound of the memory the model holds. */
    public long modelBytes() {
        try {
            return java.nio.file.Files.size(directory.modelFile());
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /** The model's inputs, in the order of the traced signature. */
    public List<String> inputs() {
        return directory.includesTokenTypes()
                ? List.of("input_ids", "attention_mask", "token_type_ids")
                : List.of("input_ids", "attention_mask");
    }

    /**
     * Refuses new batches, waits up to {@code wait} for every predictor lent out to come back,
     * then closes; used when a version is unloaded or replaced while requests are in flight.
     */
    public void closeWhenIdle(Duration wait) {
        closed = true;
        long deadline = System.nanoTime() + wait.toNanos();
        int returned = 0;
        try {
            while (returned < predictors.size()) {
                if (idle.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) == null) {
                    log.warn("{}: {} predictors still busy after {}; closing anyway", directory.id(),
                            predictors.size() - returned, wait);
                    break;
                }
                returned++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        predictors.forEach(Predictor::close);
        model.close();
    }

    private void warmUp() {
        for (int i = 0; i < predictors.size(); i++) {
            List<Prediction> predictions = classify(WARM_UP_TEXTS);
            if (predictions.size() != WARM_UP_TEXTS.size()) {
                throw new IllegalStateException("expected " + WARM_UP_TEXTS.size() + " answers, got " + predictions.size());
            }
        }
    }

    private Predictor<String, Classifications> borrow() {
        if (closed) {
            throw new ModelUnavailableException(directory.id() + " is unloaded");
        }
        Predictor<String, Classifications> predictor;
        try {
            predictor = idle.poll(predictorWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException(directory.id() + ": interrupted while waiting for a worker");
        }
        if (predictor == null) {
            throw new ModelUnavailableException(directory.id() + ": no worker free within " + predictorWait);
        }
        lastUsed = Instant.now();
        return predictor;
    }

    private Prediction toPrediction(Classifications output) {
        List<String> labels = directory.labels();
        if (output.getClassNames().size() != labels.size()) {
            throw new IllegalStateException(directory.id() + " returned " + output.getClassNames().size()
                    + " scores for " + labels.size() + " labels in config.json");
        }
        Map<String, Double> probabilities = new LinkedHashMap<>();
        for (String label : labels) {
            probabilities.put(label, output.get(label).getProbability());
        }
        Classifications.Classification best = output.best();
        return new Prediction(best.getClassName(), best.getProbability(), probabilities);
    }

    private static Device device(String setting) {
        return switch (setting) {
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> null; // DJL picks a GPU when it finds one, the CPU otherwise
        };
    }

    /** The tokenizer is built inside the translator factory; everything else is the model file. */
    private static java.nio.file.Path blame(ModelDirectory directory, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TranslateException) {
                return directory.path().resolve(ModelDirectory.TOKENIZER);
            }
        }
        return directory.modelFile();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
