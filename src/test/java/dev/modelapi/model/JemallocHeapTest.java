package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With jemalloc preloaded (the container image; {@code ./mvnw spring-boot:run} where Debian's
 * libjemalloc2 is installed, pom.xml's jemalloc profile) the native heap's gauges read jemalloc's
 * statistics: glibc's {@code mallinfo2} does not see a heap that jemalloc serves. Run in a JVM of
 * its own ({@link JemallocHeapProbe}), since a preload only takes effect when a process starts.
 * Needs the library (.ci/run installs it).
 */
class JemallocHeapTest {

    /** The library pom.xml's profile, the Dockerfile and the benchmarks preload (DeploymentFilesTest). */
    private static final Path JEMALLOC = Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");

    @Test
    void shouldReportAndTrimJemallocsHeapWhenItIsPreloaded() throws IOException, InterruptedException {
        assertThat(JEMALLOC).as("Debian's libjemalloc2 (apt-get install libjemalloc2; .ci/run installs it)")
                .exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                JemallocHeapProbe.class.getName())).redirectErrorStream(true);
        builder.environment().put("LD_PRELOAD", JEMALLOC.toString());
        // no purging as pages decay (jemalloc's default purges most of a burst's pages soon after,
        // by its own timing): what leaves the resident size is what the trim gave back
        builder.environment().put("MALLOC_CONF", "dirty_decay_ms:-1");
        Process probe = builder.start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(probe.exitValue()).as(output).isZero();

        Map<String, String> read = new HashMap<>();
        output.lines().filter(line -> line.matches("[a-zA-Z]+=.*"))
                .forEach(line -> read.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
        assertThat(read).as(output).containsEntry("allocator", "jemalloc").containsEntry("gauges", "2")
                .containsEntry("trimSupported", "true");
        long before = Long.parseLong(read.get("before"));
        long with = Long.parseLong(read.get("with"));
        long after = Long.parseLong(read.get("after"));
        assertThat(before).as("the JVM's own native allocations").isPositive();
        // the JVM's own threads (the JIT's arenas) allocate and free a few MiB meanwhile
        long slack = 16L << 20;
        assertThat(with - before).as("the 256 MiB in use").isBetween(JemallocHeapProbe.BYTES - slack,
                JemallocHeapProbe.BYTES + slack);
        assertThat(with - after).as("and no longer once freed").isBetween(JemallocHeapProbe.BYTES - slack,
                JemallocHeapProbe.BYTES + slack);
        assertThat(Long.parseLong(read.get("free"))).isNotNegative();

        // freed, jemalloc keeps the pages (here, without decay, until purged); the trim purges every
        // arena, which the process's resident size shows
        long small = JemallocHeapProbe.SMALL_BLOCK * JemallocHeapProbe.SMALL_BLOCKS;
        long held = Long.parseLong(read.get("rssHeld"));
        long freed = Long.parseLong(read.get("rssFreed"));
        long trimmed = Long.parseLong(read.get("rssTrimmed"));
        assertThat(held - freed).as("freed, the pages stay resident").isLessThan(small / 4);
        assertThat(Long.parseLong(read.get("released"))).as("resident bytes the trim gave back")
                .isGreaterThan(small - slack);
        assertThat(freed - trimmed).isGreaterThan(small - slack);
        assertThat(read).containsEntry("trims", "1");
    }

    @Test
    void shouldFindAMappedLibraryByName() throws IOException {
        String maps = "7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
                + "7f1c2b000000-7f1c2b010000 r--p 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"
                + "7ffd1a000000-7ffd1a021000 rw-p 00000000 00:00 0 [stack]\n";
        assertThat(DjlRuntime.mappedLibrary(maps, "/libjemalloc")).isEqualTo("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
        assertThat(DjlRuntime.mappedLibrary(maps, "/libtcmalloc")).isNull();
        // this test JVM runs on glibc: no jemalloc to ask
        assertThat(DjlRuntime.mappedLibrary(Files.readString(Path.of("/proc/self/maps")), "/libjemalloc")).isNull();
        assertThat(DjlRuntime.nativeHeap()).isInstanceOf(DjlRuntime.GlibcHeap.class);
    }

    /** mallctl's answers, without a jemalloc: what the heap makes of an error code. */
    private static DjlRuntime.JeMalloc mallctlAnswering(int error) {
        return (name, oldp, oldlenp, newp, newlen) -> error;
    }

    @Test
    void shouldSayAPurgeThatJemallocRefusedFailed() {
        DjlRuntime.JemallocHeap refusing = new DjlRuntime.JemallocHeap(mallctlAnswering(14));
        assertThat(refusing.release()).isEqualTo(DjlRuntime.Release.FAILED);
        assertThat(refusing.bytes()).as("no statistics without a refreshed epoch").isNull();

        DjlRuntime.JemallocHeap answering = new DjlRuntime.JemallocHeap(mallctlAnswering(0));
        assertThat(answering.release()).isEqualTo(DjlRuntime.Release.RELEASED);
        assertThat(answering.releasable()).isTrue();
    }

    @Test
    void shouldNeitherReadNorTrimAnAllocatorItCannotAsk() {
        assertThat(DjlRuntime.NO_HEAP.bytes()).isNull();
        assertThat(DjlRuntime.NO_HEAP.releasable()).isFalse();
        assertThat(DjlRuntime.NO_HEAP.release()).isEqualTo(DjlRuntime.Release.FAILED);
    }
}
