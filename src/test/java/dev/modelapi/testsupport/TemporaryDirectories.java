package dev.modelapi.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Directories the tests make under {@code java.io.tmpdir}, deleted when the test JVM exits: a run of
 * the suite left about 170 MB there before (model copies, PostgreSQL data, broker journals, MLflow's
 * store), run after run. The deletion waits for the shutdown hooks that may still write into them.
 */
public final class TemporaryDirectories {

    /**
     * Shutdown hooks that may still use a directory when the JVM exits: Spring's, which close the cached
     * test contexts (their brokers, spools and servers), and this package's servers'.
     */
    static final Set<String> HOOKS_FIRST = Set.of("SpringApplicationShutdownHook", "SpringContextShutdownHook",
            "mlflow-stop", "embedded-postgres-stop");

    static final Duration HOOK_WAIT = Duration.ofSeconds(30);
    static final Duration HOOK_START_GRACE = Duration.ofMillis(50);

    private static final Set<Path> MADE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TemporaryDirectories::deleteAll, "temporary-directories"));
    }

    private TemporaryDirectories() {
    }

    /** A new empty directory, {@code prefix} and a random suffix, deleted with all it holds at the JVM's exit. */
    public static Path make(String prefix) {
        try {
            Path directory = Files.createTempDirectory(prefix);
            MADE.add(directory);
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("could not make a temporary directory " + prefix, e);
        }
    }

    private static void deleteAll() {
        try {
            // hooks not yet started are not listed: the first look comes a moment after this hook starts
            await().pollDelay(HOOK_START_GRACE).pollInterval(HOOK_START_GRACE).atMost(HOOK_WAIT)
                    .until(() -> Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(thread -> HOOKS_FIRST.contains(thread.getName())));
        } catch (ConditionTimeoutException e) {
            // a hook still running after HOOK_WAIT: delete what can be deleted anyway
        }
        MADE.forEach(TemporaryDirectories::delete);
    }

    /**
     * Deletes {@code directory} and everything under it, deepest first; what cannot be deleted (a file
     * another process still writes) is left, the rest goes. Returns the paths left.
     */
    static List<Path> delete(Path directory) {
        if (!Files.exists(directory)) {
            return List.of();
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.sorted(Comparator.reverseOrder()).filter(path -> !deleted(path)).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of(directory);
        }
    }

    private static boolean deleted(Path path) {
        try {
            Files.deleteIfExists(path);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
