package dev.modelapi.model;

import java.util.Map;

/**
 * DJL settings that must be in place before the PyTorch engine starts. One libtorch thread per
 * predictor: with DJL's defaults a predictor on a pool thread ran about 3.5x slower on 2 cores.
 */
public final class DjlRuntime {

    static final Map<String, String> DEFAULTS = Map.of(
            "ai.djl.offline", "true",
            "ai.djl.pytorch.num_threads", "1",
            "ai.djl.pytorch.num_interop_threads", "1");

    private DjlRuntime() {
    }

    /** Sets each default that the command line has not set already. */
    public static void applyDefaults() {
        DEFAULTS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }
}
