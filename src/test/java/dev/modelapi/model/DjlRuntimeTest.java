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

    @Test
    void shouldNameThePreloadedAllocatorFromTheProcessMaps() {
        String glibc = "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6\n";
        String jemalloc = glibc + "7f1c2b000000-7f1c2b010000 r--p 00000000 08:01 99 "
                + "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n";
        String tcmalloc = glibc + "7f1c2b000000-7f1c2b010000 r--p 00000000 08:01 98 "
                + "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10\n";

        assertThat(DjlRuntime.nativeAllocator(glibc)).isEqualTo("glibc");
        assertThat(DjlRuntime.nativeAllocator(jemalloc)).isEqualTo("jemalloc");
        assertThat(DjlRuntime.nativeAllocator(tcmalloc)).isEqualTo("tcmalloc");
        // this JVM's own maps are read (on Linux, never "unknown")
        assertThat(DjlRuntime.nativeAllocator()).isIn("glibc", "jemalloc", "tcmalloc");
    }
}
