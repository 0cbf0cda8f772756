package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The environment the native libraries read: after the defaults, libgomp and the Rust tokenizers
 * see one thread each, unless the variable was set when the JVM started (the build sets
 * OMP_NUM_THREADS=1 itself, which must stay as given).
 */
class DjlRuntimeTest {

    @Test
    void shouldGiveTheNativeLibrariesOneThreadEachWithoutOverridingWhatWasSet() {
        String tokenizersAtStart = System.getenv("TOKENIZERS_PARALLELISM");
        String ompAtStart = System.getenv("OMP_NUM_THREADS");

        DjlRuntime.applyDefaults();

        assertThat(DjlRuntime.nativeEnv("TOKENIZERS_PARALLELISM"))
                .isEqualTo(tokenizersAtStart != null ? tokenizersAtStart : "false");
        assertThat(DjlRuntime.nativeEnv("OMP_NUM_THREADS")).isEqualTo(ompAtStart != null ? ompAtStart : "1");
        assertThat(System.getProperty("ai.djl.pytorch.num_threads")).isNotNull();
    }
}
