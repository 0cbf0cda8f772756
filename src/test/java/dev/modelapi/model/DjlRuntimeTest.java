package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
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
        assertThat(DjlRuntime.allocator()).isIn("glibc", "jemalloc", "tcmalloc");
    }

    /** The C library's malloc and free, to allocate as libtorch does. */
    interface Malloc extends Library {
        Pointer malloc(long size);

        Pointer realloc(Pointer block, long size);

        void free(Pointer block);
    }

    /**
     * With the thresholds in force a block of 24 MiB (the size of a batch's attention scores) comes
     * from an arena, not a mapping of its own, and freed it stays with the arena for the next forward
     * instead of going back to the kernel: glibc's defaults map such a block and unmap it on free
     * unless a larger one was freed before (the dynamic threshold follows the largest), and a process
     * whose threshold stayed low faults its forwards' pages in again every time (DJL alone did).
     */
    @Test
    void shouldServeAndKeepAForwardSizedBlockFromTheArenas() {
        // the build runs its tests on glibc's malloc (nothing preloaded): the case the thresholds are for
        assertThat(DjlRuntime.allocator()).as("the test JVM's allocator").isEqualTo("glibc");
        DjlRuntime.applyDefaults();
        assertThat(DjlRuntime.tuneMalloc()).isTrue();
        Malloc c = Native.load("c", Malloc.class);
        long size = 24L << 20;
        long margin = 4L << 20; // other threads of the test JVM allocate and free meanwhile

        // As in a JVM that ran forwards before: free space at the top of this thread's arena, after a
        // block still in use. Without the block in use before it, the test's outcome would depend on
        // what earlier tests left: a block that does not fit the arena's current heap (64 MiB at most)
        // gets a heap of its own, and glibc unmaps a thread arena's heap once nothing in it is in use,
        // whatever the trim threshold. A 31 MiB block (under the mmap threshold, so from the arena:
        // the top of a heap, a new heap, or a free block as large) cut down to 1 MiB in place leaves
        // 30 MiB free right after the 1 MiB it keeps, which the tested block then takes.
        // mallinfo2 counts the whole process: another thread that frees more than the margin between
        // two readings (seen once in CI) spoils an attempt, so up to three attempts, the last asserted
        DjlRuntime.MallocBytes before = null;
        DjlRuntime.MallocBytes held = null;
        DjlRuntime.MallocBytes after = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Pointer anchor = c.realloc(c.malloc(size + (7L << 20)), 1L << 20);
            before = DjlRuntime.mallocBytes();
            Pointer block = c.malloc(size);
            block.setMemory(0, size, (byte) 1);
            held = DjlRuntime.mallocBytes();
            c.free(block);
            after = DjlRuntime.mallocBytes();
            c.free(anchor);
            if (held.arenaInUse() - before.arenaInUse() > size - margin && held.mmapped() - before.mmapped() < margin
                    && after.free() - held.free() > size - margin) {
                break;
            }
        }

        assertThat(held.arenaInUse() - before.arenaInUse()).isGreaterThan(size - margin);
        assertThat(held.mmapped() - before.mmapped()).isLessThan(margin);
        // measured from the held state: the block may have taken free space already at the arena's
        // top, so the arena's free bytes fall by up to that much while it is held
        assertThat(after.free() - held.free()).isGreaterThan(size - margin);
    }

    /**
     * What the arenas keep free for the next forward stays resident until the trim gives it back:
     * 47 blocks of 1 MiB (an attention's score matrix) touched and freed, with a 48th still held
     * after them so that no arena can hand their heap back on its own, stay resident, and
     * {@code malloc_trim} returns their pages to the kernel, which the process's resident size shows.
     */
    @Test
    void shouldGiveTheArenasFreeMemoryBackToTheKernelWhenTrimmed() {
        assertThat(DjlRuntime.allocator()).as("the test JVM's allocator").isEqualTo("glibc");
        DjlRuntime.applyDefaults();
        assertThat(DjlRuntime.tuneMalloc()).isTrue();
        assertThat(DjlRuntime.trimSupported()).isTrue();
        Malloc c = Native.load("c", Malloc.class);
        long size = 1L << 20;
        int count = 48;
        DjlRuntime.trimNativeHeap(); // what earlier tests of this JVM left free goes first

        Pointer[] blocks = residentBlocks(c, count, size);
        long heldRss = ResidentMemory.bytes();
        freeAllButTheLast(c, blocks);
        long freedRss = ResidentMemory.bytes();
        long released = DjlRuntime.trimNativeHeap();
        long trimmedRss = ResidentMemory.bytes();
        c.free(blocks[count - 1]);

        long freed = (count - 1) * size;
        long margin = 16L << 20; // the test JVM's other threads allocate and free meanwhile
        assertThat(heldRss - freedRss).as("freed, the blocks stay resident with the arena").isLessThan(margin);
        assertThat(released).as("resident bytes the trim gave back").isGreaterThan(freed - margin);
        assertThat(freedRss - trimmedRss).isGreaterThan(freed - margin);
    }

    /**
     * A trim asked for (the start-up warm-up's end, {@link ModelRegistry#trimNativeHeap()}) is
     * counted with the idle trims, and what it gave back with theirs.
     */
    @Test
    void shouldCountATrimAskedForWithWhatItGaveBack() {
        assertThat(DjlRuntime.trimSupported()).isTrue();
        DjlRuntime.applyDefaults();
        Malloc c = Native.load("c", Malloc.class);
        long size = 1L << 20;
        int count = 48;
        DjlRuntime.trimNativeHeap();
        Pointer[] blocks = residentBlocks(c, count, size);
        freeAllButTheLast(c, blocks);
        NativeHeapTrim trim = new NativeHeapTrim();

        long released = trim.trim();
        c.free(blocks[count - 1]);

        long margin = 16L << 20;
        assertThat(released).isGreaterThan((count - 1) * size - margin);
        assertThat(trim.trims()).isEqualTo(1);
        assertThat(trim.releasedBytes()).isEqualTo(released);
    }

    /** {@code count} blocks of {@code size} bytes from malloc, each written so that its pages are resident. */
    private static Pointer[] residentBlocks(Malloc c, int count, long size) {
        Pointer[] blocks = new Pointer[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = c.malloc(size);
            blocks[i].setMemory(0, size, (byte) 1);
        }
        return blocks;
    }

    /** Frees every block but the last, which keeps the arena's top in use so that it cannot shrink on its own. */
    private static void freeAllButTheLast(Malloc c, Pointer[] blocks) {
        for (int i = 0; i < blocks.length - 1; i++) {
            c.free(blocks[i]);
        }
    }

    @Test
    void shouldLeaveTheAllocatorAloneWhereTheOperatorOrAnotherMallocDecides() {
        assertThat(DjlRuntime.shouldTuneMalloc(null, "glibc", null)).isTrue();
        assertThat(DjlRuntime.shouldTuneMalloc(null, "glibc", "glibc.pthread.rseq=0")).isTrue();
        assertThat(DjlRuntime.shouldTuneMalloc("false", "glibc", null)).isFalse();
        assertThat(DjlRuntime.shouldTuneMalloc(null, "jemalloc", null)).isFalse();
        assertThat(DjlRuntime.shouldTuneMalloc(null, "glibc", "glibc.malloc.trim_threshold=0")).isFalse();
    }
}
