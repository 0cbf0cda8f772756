package dev.modelapi.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DJL settings that must be in place before the PyTorch engine and the tokenizers start. One
 * libtorch thread per predictor: with DJL's defaults a predictor on a pool thread ran about 3.5x
 * slower on 2 cores. And one thread per tokenizer call: HuggingFace's Rust tokenizers otherwise
 * hand every batch to a process-wide rayon pool (one thread per core, spinning while idle) and
 * park the calling worker until it is done, a thread switch per batch and CPU taken from the
 * forwards; the seed's stack sets {@code TOKENIZERS_PARALLELISM=false} for the same reason.
 */
public final class DjlRuntime {

    private static final Logger log = LoggerFactory.getLogger(DjlRuntime.class);

    static final Map<String, String> DEFAULTS = Map.of(
            "ai.djl.offline", "true",
            "ai.djl.pytorch.num_threads", "1",
            "ai.djl.pytorch.num_interop_threads", "1");

    /** Read by native code (libgomp when libtorch loads, the Rust tokenizers per call), not by Java. */
    static final Map<String, String> ENVIRONMENT_DEFAULTS = new LinkedHashMap<>(Map.of(
            "OMP_NUM_THREADS", "1",
            "TOKENIZERS_PARALLELISM", "false"));

    /** The C library's environment, which native code reads; Java's System.getenv is a copy taken at start. */
    interface LibC extends Library {
        String getenv(String name);

        int setenv(String name, String value, int overwrite);
    }

    private static volatile LibC libc;

    private DjlRuntime() {
    }

    /**
     * Sets each default that the command line has not set already: the system properties, and the
     * environment variables native code reads (a variable set when the JVM started wins).
     */
    public static void applyDefaults() {
        DEFAULTS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
        ENVIRONMENT_DEFAULTS.forEach((name, value) -> {
            try {
                if (nativeEnv(name) == null && libc().setenv(name, value, 0) != 0) {
                    log.warn("Could not set {}={} for the native libraries", name, value);
                }
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                log.warn("Could not set {}={} for the native libraries ({}); set it before starting the JVM",
                        name, value, e.toString());
            }
        });
    }

    /**
     * The C allocator libtorch's tensors come from: "jemalloc" or "tcmalloc" when one is preloaded
     * ({@code LD_PRELOAD}, as the container image does), else "glibc". glibc's malloc took about 7 %
     * of the ensemble's CPU inside the forwards (docs/performance.md).
     *
     * @param maps the text of {@code /proc/self/maps}
     */
    static String nativeAllocator(String maps) {
        if (maps.contains("/libjemalloc")) {
            return "jemalloc";
        }
        if (maps.contains("/libtcmalloc")) {
            return "tcmalloc";
        }
        return "glibc";
    }

    /** {@link #nativeAllocator(String)} of this process; "unknown" where there is no /proc. */
    static String nativeAllocator() {
        try {
            return nativeAllocator(Files.readString(Path.of("/proc/self/maps")));
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
    }

    /** Says once at start which allocator libtorch uses, and how to preload jemalloc when it is glibc's. */
    static void logNativeAllocator() {
        String allocator = nativeAllocator();
        if (allocator.equals("glibc")) {
            log.info("libtorch allocates with glibc's malloc; with jemalloc preloaded (LD_PRELOAD=/usr/lib/"
                    + "x86_64-linux-gnu/libjemalloc.so.2, Debian's libjemalloc2, as the container image does) the "
                    + "forwards spend less time in the allocator: docs/performance.md");
        } else {
            log.info("libtorch allocates with {}", allocator);
        }
    }

    /** A variable of the process environment as native code sees it; null when unset. */
    static String nativeEnv(String name) {
        return libc().getenv(name);
    }

    private static LibC libc() {
        LibC c = libc;
        if (c == null) {
            c = Native.load("c", LibC.class);
            libc = c;
        }
        return c;
    }
}
