package dev.modelapi.model;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model manager: the models loaded from the local repository {@code <root>/<name>/<version>/},
 * each name's default version and the defaults before it (for rollback). A directory that fails
 * to load is recorded with its reason and everything already loaded keeps serving. An unloaded
 * version stops taking new requests at once and is closed once the requests already resolved to
 * it have had {@code retireAfter} to finish. Loaded versions are bounded in count and bytes: the
 * least recently used idle ones make room for a new one, and load again on demand.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
    private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** A variant of a numeric version: {@code 1-int8} is version 1 made another way (models/README.md). */
    private static final Pattern VARIANT = Pattern.compile("[0-9]+-[A-Za-z0-9._-]+");
    private static final int HISTORY = 16;

    /** Numeric versions in numeric order ("10" after "9"), others after them in text order. */
    public static final Comparator<String> VERSION_ORDER = (a, b) -> {
        boolean numericA = allDigits(a);
        boolean numericB = allDigits(b);
        if (numericA != numericB) {
            return numericA ? -1 : 1;
        }
        if (numericA && a.length() != b.length()) {
            return Integer.compare(a.length(), b.length());
        }
        return a.compareTo(b);
    };

    /** A plain loop: the version maps are ordered by {@link #VERSION_ORDER}, so every look-up runs it. */
    private static boolean allDigits(String version) {
        for (int i = 0; i < version.length(); i++) {
            if (!Character.isDigit(version.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Which version a name gets when none is named (the start-up default, load by name, the
     * fallback after an unload): the highest by {@link #VERSION_ORDER}, a variant only when there
     * is no plain version.
     */
    private static final Comparator<String> DEFAULT_ORDER = Comparator
            .comparing((String v) -> !isVariant(v)).thenComparing(VERSION_ORDER);

    private final Path root;
    private final ModelProperties settings;
    private final Duration retireAfter;
    private final Map<String, NavigableMap<String, TextClassifier>> models = new ConcurrentSkipListMap<>();
    private final Map<String, TextClassifier> retiring = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentSkipListMap<>();
    private final java.util.Set<String> unloadedOnPurpose = ConcurrentHashMap.newKeySet();
    private final Map<String, String> defaults = new ConcurrentHashMap<>();
    private final Map<String, Deque<String>> previousDefaults = new ConcurrentHashMap<>();
    private final java.util.List<DefaultChange> defaultChanges = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Told when the version that serves requests naming none changes from one loaded version to another. */
    @FunctionalInterface
    public interface DefaultChange {
        void changed(String name, String before, String after);
    }
    private final ScheduledExecutorService retirements = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "model-retirement");
        thread.setDaemon(true);
        return thread;
    });
    private final java.util.concurrent.atomic.AtomicLong evictions = new java.util.concurrent.atomic.AtomicLong();
    private volatile Consumer<TextClassifier> onLoad = c -> { };
    private final NativeHeapTrim nativeHeapTrim = new NativeHeapTrim();
    /** The threads that run every loaded model's forwards: more than the cores only slows each one. */
    private final ForwardPool<Predictor<String, Classifications>> forwards;

    ModelRegistry(Path root, ModelProperties settings, Duration retireAfter) {
        this.root = root;
        this.settings = settings;
        this.retireAfter = retireAfter;
        this.forwards = new ForwardPool<>(settings.maxConcurrentForwards() > 0 ? settings.maxConcurrentForwards()
                : Runtime.getRuntime().availableProcessors(), settings.stalledForward(), "forward",
                settings.nativeHeapTrimAfter(), nativeHeapTrim);
    }

    /** Gives the allocator's free native heap back once forwards stop; its counts are metrics. */
    NativeHeapTrim nativeHeapTrim() {
        return nativeHeapTrim;
    }

    /**
     * Gives the allocator's free native heap back to the kernel now (glibc's {@code malloc_trim},
     * jemalloc's arena purge), counted with the trims after
     * {@code modelapi.models.native-heap-trim-after} without forwards: for a moment when a
     * burst of forwards has just ended and the load that follows may never need as much, such as the
     * end of the start-up warm-up, whose concurrent batches leave the arenas holding more than the
     * service under load goes on to use (docs/performance.md).
     *
     * @return the resident bytes given back, or -1 where the allocator has no trim (neither glibc's
     *     malloc nor jemalloc)
     */
    public long trimNativeHeap() {
        return nativeHeapTrim.trim();
    }

    /** The forward threads, shared by every model of this registry. */
    ForwardPool<Predictor<String, Classifications>> forwards() {
        return forwards;
    }

    /** Loads every version directory under {@code root}; a missing root gives an empty registry. */
    public static ModelRegistry loadFrom(Path root, ModelProperties settings) {
        return loadFrom(root, settings, Duration.ofSeconds(30));
    }

    static ModelRegistry loadFrom(Path root, ModelProperties settings, Duration retireAfter) {
        ModelRegistry registry = new ModelRegistry(root, settings, retireAfter);
        for (Path versionDir : versionDirectories(root)) {
            if (!settings.variantsAtStartUp() && isVariant(versionDir.getFileName().toString())) {
                log.info("Model {}:{} is a variant: not loaded at start-up (load it, or name it in a request)",
                        versionDir.getParent().getFileName(), versionDir.getFileName());
                continue;
            }
            registry.tryLoad(versionDir);
        }
        log.info("Model repository {}: {} loaded, {} failed", root.toAbsolutePath().normalize(),
                registry.all().size(), registry.failures.size());
        return registry;
    }

    /** Calls {@code listener} on every change of a model's default version from now on (cache warming). */
    public void onDefaultChange(DefaultChange listener) {
        defaultChanges.add(listener);
    }

    private void defaultChanged(String name, String before, String after) {
        if (before != null && after != null && !before.equals(after)) {
            for (DefaultChange listener : defaultChanges) {
                try {
                    listener.changed(name, before, after);
                } catch (RuntimeException e) {
                    log.warn("A listener of {}'s default version change failed: {}", name, e.toString());
                }
            }
        }
    }

    /** Called with every model loaded from now on (metrics register their gauges here). */
    void onLoad(Consumer<TextClassifier> listener) {
        this.onLoad = listener;
    }

    /**
     * Loads {@code <root>/<name>/<version>} (again, if it is loaded and its files changed: the new
     * copy replaces the old one only once it has loaded and warmed up; unchanged files are not
     * loaded again). The first version of a name becomes its default.
     *
     * @throws ModelLoadException naming the file at fault; what was loaded keeps serving
     */
    public TextClassifier load(String name, String version) throws ModelLoadException {
        Path directory = root.resolve(safe(name)).resolve(safe(version));
        Optional<TextClassifier> current = find(name, version);
        if (current.isPresent() && unchanged(current.get(), directory)) {
            // loaded from these very files: a load again would only cost a reload and a warm-up
            unloadedOnPurpose.remove(name + ":" + version);
            return current.get();
        }
        TextClassifier loaded = install(directory, false);
        unloadedOnPurpose.remove(name + ":" + version);
        return loaded;
    }

    /** Whether a loaded version's files are still the ones it was loaded from (its fingerprint). */
    private static boolean unchanged(TextClassifier loaded, Path directory) {
        try {
            return loaded.directory().path().equals(directory.toAbsolutePath().normalize())
                    && loaded.fingerprint().equals(ModelDirectory.read(directory).fingerprint());
        } catch (ModelLoadException | IOException e) {
            return false; // changed enough not to read: install says why
        }
    }

    /** Loads one version directory at start-up, where the highest version is each name's default; on failure records why. */
    Optional<TextClassifier> tryLoad(Path versionDir) {
        try {
            return Optional.of(install(versionDir, true));
        } catch (ModelLoadException e) {
            return Optional.empty();
        }
    }

    /**
     * Loads a version that a request names but that is not loaded (unloaded to make room, say),
     * when it is on disk and loading on demand is on; one load at a time.
     */
    public synchronized Optional<TextClassifier> loadOnDemand(String name, String version) {
        Optional<TextClassifier> loaded = version == null ? find(name) : find(name, version);
        if (loaded.isPresent() || !settings.loadOnDemand()) {
            return loaded;
        }
        List<String> onDisk = versionsOnDisk(name);
        String wanted = version != null ? version : defaultAmong(onDisk);
        if (wanted == null || !onDisk.contains(wanted) || unloadedOnPurpose.contains(name + ":" + wanted)) {
            return Optional.empty();
        }
        try {
            log.info("Loading {}:{} on demand", name, wanted);
            return Optional.of(load(name, wanted));
        } catch (ModelLoadException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private synchronized TextClassifier install(Path versionDir, boolean highestIsDefault) throws ModelLoadException {
        String name = versionDir.getParent().getFileName().toString();
        String version = versionDir.getFileName().toString();
        TextClassifier classifier;
        try {
            ModelDirectory directory = ModelDirectory.read(versionDir, settings.requireManifest());
            makeRoom(directory);
            classifier = TextClassifier.load(directory, settings, forwards);
        } catch (ModelLoadException e) {
            log.error("Model {}:{} not loaded: {}", name, version, e.getMessage());
            failures.put(name + ":" + version, e.getMessage());
            throw e;
        }
        TextClassifier previous = versionsOf(name).put(version, classifier);
        if (highestIsDefault) {
            defaults.merge(name, version, BinaryOperator.maxBy(DEFAULT_ORDER));
        } else {
            defaults.putIfAbsent(name, version);
        }
        failures.remove(name + ":" + version);
        onLoad.accept(classifier);
        if (previous != null) {
            retire(previous);
        }
        return classifier;
    }

    /**
     * Stops routing new requests to a version; it is closed once requests already resolved to it
     * have had time to finish. A default that pointed to it falls back to the highest version left.
     * Unloaded on purpose, it is not loaded on demand again until it is loaded explicitly.
     */
    public boolean unload(String name, String version) {
        boolean unloaded = evict(name, version);
        if (unloaded) {
            unloadedOnPurpose.add(name + ":" + version);
        }
        return unloaded;
    }

    private boolean evict(String name, String version) {
        NavigableMap<String, TextClassifier> versions = models.get(name);
        TextClassifier removed = versions == null ? null : versions.remove(version);
        if (removed == null) {
            return false;
        }
        if (version.equals(defaults.get(name))) {
            if (versions.isEmpty()) {
                defaults.remove(name);
            } else {
                String fallback = defaultAmong(versions.keySet());
                defaults.put(name, fallback);
                defaultChanged(name, version, fallback);
            }
        }
        retire(removed);
        return true;
    }

    /** Makes a loaded version the one that serves requests naming no version. */
    public void setDefault(String name, String version) {
        if (find(name, version).isEmpty()) {
            throw new IllegalArgumentException(name + ":" + version + " is not loaded");
        }
        String before = defaults.put(name, version);
        defaultChanged(name, before, version);
        if (before != null && !before.equals(version)) {
            Deque<String> history = previousDefaults.computeIfAbsent(name, n -> new ArrayDeque<>());
            synchronized (history) {
                history.push(before);
                while (history.size() > HISTORY) {
                    history.removeLast();
                }
            }
        }
    }

    /**
     * Goes back to the default before the current one, skipping versions unloaded since.
     *
     * @return the version that is the default now
     */
    public String rollback(String name) {
        Deque<String> history = previousDefaults.getOrDefault(name, new ArrayDeque<>());
        synchronized (history) {
            while (!history.isEmpty()) {
                String previous = history.pop();
                if (find(name, previous).isPresent()) {
                    defaultChanged(name, defaults.put(name, previous), previous);
                    return previous;
                }
            }
        }
        throw new IllegalArgumentException(name + " has no earlier default that is still loaded");
    }

    /** The default version of a model: the one set, else the highest loaded. */
    public Optional<TextClassifier> find(String name) {
        NavigableMap<String, TextClassifier> versions = models.get(name);
        if (versions == null || versions.isEmpty()) {
            return Optional.empty();
        }
        String version = defaults.get(name);
        TextClassifier chosen = version == null ? null : versions.get(version);
        return Optional.of(chosen != null ? chosen : versions.get(defaultAmong(versions.keySet())));
    }

    public Optional<TextClassifier> find(String name, String version) {
        NavigableMap<String, TextClassifier> versions = models.get(name);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    /**
     * A version for a request already resolved to it: also a version being unloaded, so that
     * requests accepted before the unload are still answered.
     */
    public Optional<TextClassifier> findForInference(String name, String version) {
        Optional<TextClassifier> loaded = find(name, version);
        return loaded.isPresent() ? loaded : Optional.ofNullable(retiring.get(name + ":" + version));
    }

    /** The version serving requests that name none, if the name is loaded. */
    public Optional<String> defaultVersion(String name) {
        return find(name).map(TextClassifier::version);
    }

    /** Every loaded model and version, by name then version. */
    public List<TextClassifier> all() {
        List<TextClassifier> all = new ArrayList<>();
        models.values().forEach(versions -> all.addAll(versions.values()));
        return all;
    }

    /** Versions on disk under {@code <root>/<name>/}, loaded or not. */
    public List<String> versionsOnDisk(String name) {
        if (!SAFE_SEGMENT.matcher(name).matches()) {
            return List.of();
        }
        return list(root.resolve(name)).stream().map(p -> p.getFileName().toString())
                .sorted(VERSION_ORDER).toList();
    }

    /** Names with a directory in the repository or a loaded version. */
    public List<String> names() {
        List<String> names = new ArrayList<>(models.keySet());
        for (Path dir : Files.isDirectory(root) ? list(root) : List.<Path>of()) {
            String name = dir.getFileName().toString();
            if (!names.contains(name) && !list(dir).isEmpty()) {
                names.add(name);
            }
        }
        Collections.sort(names);
        return names;
    }

    /** {@code name:version} of each directory that failed to load, with the reason. */
    public Map<String, String> failures() {
        return Collections.unmodifiableMap(failures);
    }

    @Override
    public void close() {
        retirements.shutdownNow();
        all().forEach(TextClassifier::close);
        retiring.values().forEach(TextClassifier::close);
        models.clear();
        retiring.clear();
        forwards.close();
    }

    /**
     * Unloads least recently used idle versions (no predictor lent out) until one more model of
     * this size fits both limits; versions of the name being loaded are kept.
     */
    private void makeRoom(ModelDirectory incoming) throws ModelLoadException {
        long incomingBytes = sizeOf(incoming.modelFile());
        long maxBytes = settings.maxLoadedSize().toBytes();
        List<TextClassifier> loaded = all();
        long bytes = loaded.stream().mapToLong(TextClassifier::modelBytes).sum();
        int count = loaded.size();
        boolean replacing = find(incoming.name(), incoming.version()).isPresent();
        if (replacing) {
            count--;
            bytes -= find(incoming.name(), incoming.version()).get().modelBytes();
        }
        List<TextClassifier> candidates = new ArrayList<>(loaded.stream()
                .filter(c -> !c.name().equals(incoming.name()) && c.busyWorkers() == 0).toList());
        candidates.sort(Comparator.comparing(c -> c.lastUsed() == null ? c.loadedAt() : c.lastUsed()));
        for (TextClassifier victim : candidates) {
            if (count + 1 <= settings.maxLoaded() && bytes + incomingBytes <= maxBytes) {
                break;
            }
            if (evict(victim.name(), victim.version())) {
                log.info("Unloaded {} (least recently used) to make room for {}", victim.directory().id(), incoming.id());
                evictions.incrementAndGet();
                count--;
                bytes -= victim.modelBytes();
            }
        }
        if (count + 1 > settings.maxLoaded() || bytes + incomingBytes > maxBytes) {
            throw new ModelCapacityException(incoming.path(), "loading it would exceed max-loaded ("
                    + settings.maxLoaded() + " versions) or max-loaded-size (" + maxBytes + " bytes),"
                    + " and no idle model of another name is left to unload");
        }
    }

    /** Versions unloaded to make room since start-up. */
    public long evictions() {
        return evictions.get();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private void retire(TextClassifier classifier) {
        String id = classifier.directory().id();
        retiring.put(id, classifier);
        retirements.schedule(() -> {
            retiring.remove(id, classifier);
            classifier.closeWhenIdle(settings.predictorWait());
            log.info("Unloaded {}", id);
        }, retireAfter.toMillis(), TimeUnit.MILLISECONDS);
    }

    private NavigableMap<String, TextClassifier> versionsOf(String name) {
        return models.computeIfAbsent(name, n -> new ConcurrentSkipListMap<>(VERSION_ORDER));
    }

    /** Whether a text may be a model name or version: 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit. */
    public static boolean isSafeName(String segment) {
        return segment != null && SAFE_SEGMENT.matcher(segment).matches();
    }

    private static String safe(String segment) {
        if (!isSafeName(segment)) {
            throw new IllegalArgumentException("\"" + segment + "\" is not a model name or version"
                    + " (letters, digits, '.', '_' and '-', at most 128)");
        }
        return segment;
    }

    /** Whether a version names a variant of a numeric version ({@code 1-int8}), not a version of its own. */
    public static boolean isVariant(String version) {
        return VARIANT.matcher(version).matches();
    }

    /** The version a name gets when none is named ({@link #DEFAULT_ORDER}), or null when there is none. */
    public static String defaultAmong(Collection<String> versions) {
        return versions.stream().max(DEFAULT_ORDER).orElse(null);
    }

    private static List<Path> versionDirectories(Path root) {
        if (!Files.isDirectory(root)) {
            log.warn("Model repository {} does not exist; no models loaded", root.toAbsolutePath());
            return List.of();
        }
        List<Path> versionDirs = new ArrayList<>();
        for (Path nameDir : list(root)) {
            versionDirs.addAll(list(nameDir));
        }
        return versionDirs;
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            log.warn("Cannot list {}: {}", dir, e.getMessage());
            return List.of();
        }
    }
}
