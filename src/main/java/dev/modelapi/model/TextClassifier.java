package dev.modelapi.model;

import dev.modelapi.errors.ModelUnavailableException;
import dev.modelapi.errors.InferenceException;
import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded text classifier, its batches run by the forward threads that every model shares
 * ({@link ForwardPool}: one per core by default). It has {@code workers-per-model} predictors (DJL
 * predictors are not thread-safe: a running batch holds one, so at most that many of its batches
 * run at once), and a forward thread keeps using the same predictor of a model, so its caches and
 * malloc arena stay warm. Batches wait in a bounded queue; a full queue refuses at once.
 * Tokenisation, softmax and label mapping are {@link ClassifierTranslator}: DJL's text-classification
 * translator without the outputs a classifier never reads.
 */
public final class TextClassifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TextClassifier.class);
    private static final List<String> WARM_UP_TEXTS = List.of("warm-up", "a second, longer warm-up text of a few more words");

    private final ModelDirectory directory;
    private final ZooModel<String, Classifications> model;
    private final List<Predictor<String, Classifications>> predictors;
    private final ForwardPool.Lane<Predictor<String, Classifications>> lane;
    private final AtomicInteger busy = new AtomicInteger();
    private final Duration predictorWait;
    private final Duration loadTime;
    private final Instant loadedAt = Instant.now();
    private volatile long memoryBytes = -1;
    private volatile String fingerprint = "";
    private volatile Instant lastUsed;
    private volatile boolean closed;

    private TextClassifier(ModelDirectory directory, ZooModel<String, Classifications> model, int workerCount,
            int queueCapacity, Duration predictorWait, Duration loadTime,
            ForwardPool<Predictor<String, Classifications>> forwards) {
        this.directory = directory;
        this.model = model;
        this.predictorWait = predictorWait;
        this.loadTime = loadTime;
        this.predictors = new ArrayList<>(workerCount);
        for (int i = 0; i < workerCount; i++) {
            predictors.add(model.newPredictor());
        }
        this.lane = forwards.lane(directory.id(), predictors, queueCapacity);
    }

    /**
     * Loads a checked model directory, warms it up and checks that its output matches its labels;
     * its forwards run on {@code forwards}, shared with other models.
     */
    static TextClassifier load(ModelDirectory directory, ModelProperties settings,
            ForwardPool<Predictor<String, Classifications>> forwards)
            throws ModelLoadException {
        long start = System.nanoTime();
        Engine.getEngine(ModelDirectory.ENGINE); // libtorch's own start-up is not the model's memory
        long residentBefore = ResidentMemory.bytes();
        Criteria.Builder<String, Classifications> builder = Criteria.builder()
                .setTypes(String.class, Classifications.class)
                .optModelPath(directory.path())
                .optEngine(ModelDirectory.ENGINE)
                .optTranslatorFactory(new ClassifierTranslatorFactory(directory));
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
                settings.queueCapacity(), settings.predictorWait(), Duration.ofNanos(System.nanoTime() - start), forwards);
        try {
            if (settings.warmUp()) {
                classifier.warmUp();
            }
        } catch (RuntimeException e) {
            classifier.close();
            throw new ModelLoadException(directory.modelFile(), "warm-up inference failed: " + rootMessage(e), e);
        }
        classifier.memoryBytes = residentBefore < 0 ? -1 : Math.max(0, ResidentMemory.bytes() - residentBefore);
        try {
            classifier.fingerprint = directory.fingerprint();
        } catch (IOException e) {
            classifier.close();
            throw new ModelLoadException(directory.modelFile(), "could not read it to fingerprint it: " + e.getMessage(), e);
        }
        log.info("Loaded {} on {} with {} workers in {} ms ({} MB resident)", directory.id(),
                model.getNDManager().getDevice(), settings.workersPerModel(), classifier.loadTime().toMillis(),
                classifier.memoryBytes / (1 << 20));
        return classifier;
    }

    /**
     * Classifies a batch with one of the model's predictors on a forward thread; the answers are in
     * input order. Inside {@link #run} it runs right there; from any other thread it waits for a
     * forward thread, at most the predictor wait.
     *
     * @throws ModelUnavailableException when the model is closed or no worker answered in time
     * @throws RejectedExecutionException when the model's queue is full
     * @throws InferenceException when the model itself fails
     */
    public List<Prediction> classify(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        Predictor<String, Classifications> held = ForwardPool.heldOnThisThread(lane);
        if (held != null) {
            return predict(held, texts);
        }
        CompletableFuture<List<Prediction>> answer = run(() -> classify(texts));
        try {
            return answer.get(predictorWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(false);
            throw new ModelUnavailableException(directory.id() + ": no worker answered within " + predictorWait);
        } catch (InterruptedException e) {
            answer.cancel(false);
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException(directory.id() + ": interrupted while waiting for a worker");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new InferenceException("inference_failed",
                    directory.id() + " failed: " + rootMessage(e), e.getCause());
        }
    }

    /**
     * Runs work on a forward thread holding one of the model's predictors, which {@link #classify}
     * uses there. Work still queued when its future is cancelled (its caller gave up) never runs;
     * work still queued when the model closes fails with {@link ModelUnavailableException}.
     *
     * @throws ModelUnavailableException when the model is closed
     * @throws RejectedExecutionException when the model's queue is full
     */
    public <T> CompletableFuture<T> run(Supplier<T> work) {
        if (closed) {
            throw new ModelUnavailableException(directory.id() + " is unloaded");
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        Runnable abandon = () -> answer.completeExceptionally(
                new ModelUnavailableException(directory.id() + " was unloaded before the batch ran"));
        try {
            lane.submit(() -> runNow(work, answer), abandon);
        } catch (RejectedExecutionException e) {
            if (closed) { // closed between the check above and the submit
                throw new ModelUnavailableException(directory.id() + " is unloaded");
            }
            throw e;
        }
        return answer;
    }

    /** On the forward thread: the work, unless its caller already gave up. */
    private <T> void runNow(Supplier<T> work, CompletableFuture<T> answer) {
        if (answer.isDone()) {
            return;
        }
        busy.incrementAndGet();
        lastUsed = Instant.now();
        T result = null;
        Throwable failure = null;
        try {
            result = work.get();
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            busy.decrementAndGet(); // before the caller hears: a caller that got its answer sees the model idle
        }
        if (failure == null) {
            answer.complete(result);
        } else {
            answer.completeExceptionally(failure);
        }
    }

    private List<Prediction> predict(Predictor<String, Classifications> predictor, List<String> texts) {
        try {
            List<Classifications> outputs = predictor.batchPredict(texts);
            List<Prediction> predictions = new ArrayList<>(outputs.size());
            for (Classifications output : outputs) {
                predictions.add(toPrediction(output));
            }
            return predictions;
        } catch (TranslateException | EngineException e) {
            throw new InferenceException("inference_failed", directory.id() + " failed: " + rootMessage(e), e);
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

    /** The model's predictors: the most batches of this model that run at once. */
    public int workers() {
        return lane.predictors();
    }

    /** Batches of this model running right now. */
    public int busyWorkers() {
        return busy.get();
    }

    /** Batches waiting for a forward thread; bounded by {@code modelapi.models.queue-capacity}. */
    public int queuedBatches() {
        return lane.queued();
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** When a worker last took a batch; null when never used since load. */
    public Instant lastUsed() {
        return lastUsed;
    }

    /**
     * SHA-256 of the files that decide this version's answers ({@link ModelDirectory#fingerprint}):
     * the prediction cache keys on it, so answers of a version's old files are never served for new ones.
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Resident memory the process gained while this version loaded and warmed up (its weights,
     * libtorch's state and the workers' first buffers), measured at load; -1 where the platform
     * does not tell. Loads run one at a time, so the figure is the model's own.
     */
    public long memoryBytes() {
        return memoryBytes;
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
     * Refuses new batches, lets the forward threads finish those already queued for up to
     * {@code wait}, then closes; used when a version is unloaded or replaced while requests are in flight.
     */
    public void closeWhenIdle(Duration wait) {
        closed = true;
        try {
            if (!lane.drain(wait)) {
                log.warn("{}: {} batches still running and {} queued after {}; closing anyway", directory.id(),
                        lane.running(), lane.queued(), wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        closed = true;
        try {
            // a predictor must not close under a running forward; queued batches fail (ModelUnavailableException)
            if (!lane.close(Duration.ofSeconds(5))) {
                log.warn("{}: a forward still runs after 5 s; closing its predictors anyway", directory.id());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        predictors.forEach(Predictor::close);
        model.close();
    }

    /**
     * One warm-up batch per predictor, queued together so that idle forward threads take them side by
     * side (the model is not yet served, so each batch holds a predictor of its own while others wait).
     */
    private void warmUp() {
        List<CompletableFuture<List<Prediction>>> runs = new ArrayList<>();
        for (int i = 0; i < predictors.size(); i++) {
            runs.add(run(() -> classify(WARM_UP_TEXTS)));
        }
        for (CompletableFuture<List<Prediction>> run : runs) {
            List<Prediction> predictions;
            try {
                predictions = run.get(predictorWait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                run.cancel(false);
                throw new IllegalStateException("no forward thread answered within " + predictorWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during warm-up");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
            if (predictions.size() != WARM_UP_TEXTS.size()) {
                throw new IllegalStateException("expected " + WARM_UP_TEXTS.size() + " answers, got " + predictions.size());
            }
        }
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
