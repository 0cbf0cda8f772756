package dev.modelapi.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models loaded from the local repository, {@code <root>/<name>/<version>/}. A directory that
 * fails to load is recorded with its reason and skipped; the others serve. Without a version in a
 * request, the highest version of a name serves.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

    /** Numeric versions in numeric order ("10" after "9"), others after them in text order. */
    static final Comparator<String> VERSION_ORDER = Comparator
            .comparing((String v) -> !v.chars().allMatch(Character::isDigit))
            .thenComparing(v -> v.chars().allMatch(Character::isDigit) ? v.length() : 0)
            .thenComparing(Comparator.naturalOrder());

    private final Map<String, NavigableMap<String, TextClassifier>> models = new ConcurrentSkipListMap<>();
    private final Map<String, String> failures = new ConcurrentSkipListMap<>();

    /** Loads every version directory under {@code root}; a missing root gives an empty registry. */
    public static ModelRegistry loadFrom(Path root, ModelProperties settings) {
        ModelRegistry registry = new ModelRegistry();
        for (Path versionDir : versionDirectories(root)) {
            registry.tryLoad(versionDir, settings);
        }
        log.info("Model repository {}: {} loaded, {} failed", root.toAbsolutePath().normalize(),
                registry.all().size(), registry.failures.size());
        return registry;
    }

    /** Loads one version directory; on failure records why and leaves what is loaded untouched. */
    public Optional<TextClassifier> tryLoad(Path versionDir, ModelProperties settings) {
        String id = versionDir.getParent().getFileName() + ":" + versionDir.getFileName();
        try {
            TextClassifier classifier = TextClassifier.load(ModelDirectory.read(versionDir), settings);
            TextClassifier previous = models.computeIfAbsent(classifier.name(), n -> new TreeMap<>(VERSION_ORDER))
                    .put(classifier.version(), classifier);
            failures.remove(id);
            if (previous != null) {
                previous.close();
            }
            return Optional.of(classifier);
        } catch (ModelLoadException e) {
            log.error("Model {} not loaded: {}", id, e.getMessage());
            failures.put(id, e.getMessage());
            return Optional.empty();
        }
    }

    /** The default (highest) version of a model. */
    public Optional<TextClassifier> find(String name) {
        NavigableMap<String, TextClassifier> versions = models.get(name);
        return versions == null || versions.isEmpty() ? Optional.empty() : Optional.of(versions.lastEntry().getValue());
    }

    public Optional<TextClassifier> find(String name, String version) {
        NavigableMap<String, TextClassifier> versions = models.get(name);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    /** Every loaded model and version, by name then version. */
    public List<TextClassifier> all() {
        List<TextClassifier> all = new ArrayList<>();
        models.values().forEach(versions -> all.addAll(versions.values()));
        return all;
    }

    /** {@code name:version} of each directory that failed to load, with the reason. */
    public Map<String, String> failures() {
        return Collections.unmodifiableMap(failures);
    }

    @Override
    public void close() {
        all().forEach(TextClassifier::close);
        models.clear();
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
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            log.warn("Cannot list {}: {}", dir, e.getMessage());
            return List.of();
        }
    }
}
