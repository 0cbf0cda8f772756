package dev.modelapi.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
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
