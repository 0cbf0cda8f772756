package dev.modelapi.model;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
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

        /** glibc's {@code mallopt(3)}: 1 on success, 0 when glibc refused the value. */
        int mallopt(int param, int value);

        /** glibc's {@code mallinfo2(3)} (glibc 2.33 and later): the allocator's totals over all arenas. */
        MallInfo2.ByValue mallinfo2();

        /**
         * glibc's {@code malloc_trim(3)}: gives the free memory of every arena back to the kernel (the
         * top of each, and whole free pages inside it); 1 when some was given back.
         */
        int malloc_trim(long pad);

        /** {@code setpriority(2)}: on Linux, {@code which} 0 and a thread id set that one thread's nice value ({@link ThreadNice}). */
        int setpriority(int which, int who, int prio);

        /** {@code getpriority(2)}, as {@link #setpriority}. */
        int getpriority(int which, int who);

        /** {@code syscall(2)} without arguments: {@code gettid} on a C library older than glibc 2.30. */
        long syscall(long number);

        /**
         * {@code sched_setscheduler(2)}: on Linux, a thread id sets that one thread's policy
         * ({@link ThreadPolicy}); {@code param} is {@code struct sched_param}, one int (0 for the
         * policies that are not real-time). 0 on success.
         */
        int sched_setscheduler(int pid, int policy, int[] param);

        /** {@code sched_getscheduler(2)}: the thread's policy, or -1. */
        int sched_getscheduler(int pid);

        /**
         * {@code syscall(2)} with a thread id, a struct and flags: {@code sched_setattr}, which glibc
         * has no wrapper for before 2.41 ({@link ThreadPolicy#setSlice}).
         */
        long syscall(long number, long tid, byte[] attr, long flags);
    }

    /** jemalloc's control interface, where jemalloc is the process's malloc (preloaded). */
    interface JeMalloc extends Library {
        /**
         * {@code mallctl(3)}: reads the named value into {@code oldp} (its size in {@code oldlenp})
         * and writes {@code newp} when given; 0 on success.
         */
        int mallctl(String name, Pointer oldp, LongByReference oldlenp, Pointer newp, long newlen);
    }

    /** {@code struct mallinfo2}: ten {@code size_t} fields in this order. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;

        public static final class ByValue extends MallInfo2 implements Structure.ByValue {
        }
    }

    /** mallopt(3)'s parameters (malloc.h). */
    static final int M_TRIM_THRESHOLD = -1;
    static final int M_MMAP_THRESHOLD = -3;

    /**
     * glibc's malloc for libtorch's tensors: blocks up to 32 MiB (glibc's largest allowed threshold on
     * 64-bit) come from the arenas instead of their own mmap, and an arena keeps up to 128 MiB freed at
     * its top instead of returning it to the kernel. glibc's own thresholds move with the largest
     * block freed so far, so whether a forward's intermediates (the attention's 1 MiB score matrices
     * and the like) go back to the kernel and are faulted in again by the next forward depends on what
     * ran before: DJL alone at batch 1 did so on every forward (6-40x the page faults, 0.90x the texts a
     * second; docs/performance.md). What an arena keeps is bounded by the most it ever held at once,
     * and {@code modelapi.native.malloc.bytes} reports it.
     */
    static final int MMAP_THRESHOLD = 32 << 20;
    static final int TRIM_THRESHOLD = 128 << 20;

    /** System property that turns the malloc settings off ({@code -Dmodelapi.malloc.tune=false}). */
    static final String MALLOC_TUNE_PROPERTY = "modelapi.malloc.tune";

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
        tuneMalloc();
    }

    private static volatile boolean mallocTuned;

    /**
     * Applies {@link #MMAP_THRESHOLD} and {@link #TRIM_THRESHOLD} once, when glibc's malloc is the
     * allocator, unless {@code GLIBC_TUNABLES} sets malloc tunables of its own (the operator's word
     * wins) or {@code -Dmodelapi.malloc.tune=false}.
     *
     * @return whether the settings are in force
     */
    static synchronized boolean tuneMalloc() {
        if (mallocTuned) {
            return true;
        }
        if (!shouldTuneMalloc(System.getProperty(MALLOC_TUNE_PROPERTY), allocator(),
                System.getenv("GLIBC_TUNABLES"))) {
            return false;
        }
        try {
            mallocTuned = libc().mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                    && libc().mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            log.warn("Could not set glibc's malloc thresholds ({}); libtorch's allocations stay on glibc's defaults",
                    e.toString());
        }
        return mallocTuned;
    }

    /** Whether {@link #tuneMalloc()} applies: glibc's malloc, not turned off, no malloc tunables of the operator's. */
    static boolean shouldTuneMalloc(String property, String allocator, String glibcTunables) {
        return !"false".equalsIgnoreCase(property) && allocator.equals("glibc")
                && (glibcTunables == null || !glibcTunables.contains("glibc.malloc."));
    }

    /**
     * glibc's heap over all arenas ({@code mallinfo2}).
     *
     * @param arenaInUse bytes of the blocks in use that the arenas hold
     * @param mmapped bytes of the blocks in use that have a mapping of their own (above the mmap threshold)
     * @param free bytes free but kept by the arenas
     */
    record MallocBytes(long arenaInUse, long mmapped, long free) {
    }

    /** jemalloc's {@code MALLCTL_ARENAS_ALL}: {@code arena.<i>.purge} with it purges every arena. */
    static final int JEMALLOC_ARENAS_ALL = 4096;

    /**
     * Gives the allocator's free native heap back to the kernel: glibc's arenas' free memory
     * ({@code malloc_trim(0)}), or jemalloc's unused dirty pages in every arena
     * ({@code arena.4096.purge}). With {@link #TRIM_THRESHOLD} each glibc arena keeps up to 128 MiB
     * free for the next forward; jemalloc purges most of what a forward freed soon after on its own,
     * and keeps the rest as dirty pages that decay ({@code dirty_decay_ms}, 10 s) only as that arena
     * is used again, which an idle forward thread's is not: 16-36 MiB with the demo models
     * (docs/performance.md). Either is resident memory for nothing once forwards stop (the cached
     * path, a quiet hour). The forward pool's watchdog calls it after a while without
     * forwards ({@code modelapi.models.native-heap-trim-after}). glibc's trim locks each arena in turn
     * while it walks it, so it is for idle moments, not for every forward. A failed call switches the
     * trim off for the rest of the process.
     *
     * @return the resident bytes the process gave back (VmRSS before and after; 0 when it gave none
     *     back or could not tell), or -1 where neither glibc's malloc nor a jemalloc that answers
     *     {@code mallctl} is the allocator
     */
    static long trimNativeHeap() {
        if (!trimSupported()) {
            return -1;
        }
        NativeHeap heap = nativeHeap();
        long before = ResidentMemory.bytes();
        Release release;
        try {
            release = heap.release();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            log.warn("Could not give {}'s free heap back ({})", allocator(), e.toString());
            release = Release.FAILED;
        }
        return switch (release) {
            case NOTHING_FREE -> 0L;
            case FAILED -> {
                trimFailed = true;
                log.warn("{}'s free heap is no longer given back: its free memory stays resident", allocator());
                yield -1L;
            }
            case RELEASED -> {
                long after = ResidentMemory.bytes();
                yield before > 0 && after > 0 ? Math.max(0, before - after) : 0L;
            }
        };
    }

    /** Set when a trim failed: the trim is off for the rest of the process. */
    private static volatile boolean trimFailed;

    /**
     * Whether {@link #trimNativeHeap()} can work: glibc's malloc with mallinfo2 (glibc 2.33 and
     * later), or jemalloc whose {@code mallctl} loaded; and no trim failed before.
     */
    static boolean trimSupported() {
        return !trimFailed && nativeHeap().releasable();
    }

    /**
     * {@link MallocBytes} now: glibc's heap by {@code mallinfo2}, or jemalloc's by its statistics
     * (bytes allocated, and resident bytes that are not: the dirty pages it keeps for reuse until
     * they decay, its fragmentation and metadata); null where neither answers (another C library,
     * glibc before 2.33, tcmalloc, a jemalloc built without statistics).
     */
    static MallocBytes mallocBytes() {
        return nativeHeap().bytes();
    }

    /** What the allocator's own call to give its free heap back did. */
    enum Release {
        /** glibc gave memory back, or jemalloc purged (it does not say how much). */
        RELEASED,
        /** glibc found nothing to give back. */
        NOTHING_FREE,
        /** The allocator refused the call. */
        FAILED
    }

    /**
     * The parts of the C allocator that differ from one to the next: its heap's statistics and the
     * call that gives its free pages back. One per process, chosen with its name ({@link #nativeHeap()}).
     */
    interface NativeHeap {
        /** The heap now; null where this allocator cannot tell. */
        MallocBytes bytes();

        /** Whether {@link #release()} can work here. */
        boolean releasable();

        /** Gives the free heap back to the kernel. */
        Release release();
    }

    /** glibc's malloc: {@code mallinfo2} (glibc 2.33 and later) and {@code malloc_trim}. */
    static final class GlibcHeap implements NativeHeap {
        private final boolean hasMallinfo2 = bytes() != null;

        @Override
        public MallocBytes bytes() {
            try {
                MallInfo2 info = libc().mallinfo2();
                return new MallocBytes(info.uordblks, info.hblkhd, info.fordblks);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                return null;
            }
        }

        @Override
        public boolean releasable() {
            return hasMallinfo2;
        }

        @Override
        public Release release() {
            return libc().malloc_trim(0) != 0 ? Release.RELEASED : Release.NOTHING_FREE;
        }
    }

    /** jemalloc preloaded, through the {@code mallctl} of the library the process mapped. */
    static final class JemallocHeap implements NativeHeap {
        private final JeMalloc je;

        JemallocHeap(JeMalloc je) {
            this.je = je;
        }

        /**
         * jemalloc's {@code stats.allocated} and {@code stats.resident}, refreshed first (its statistics
         * are a snapshot taken when {@code epoch} is written). The allocated bytes go in
         * {@link MallocBytes#arenaInUse()}; jemalloc maps its large blocks from its own extents, so
         * {@link MallocBytes#mmapped()} is 0.
         */
        @Override
        public MallocBytes bytes() {
            try (Memory epoch = new Memory(Long.BYTES); Memory value = new Memory(Long.BYTES)) {
                epoch.setLong(0, 1);
                if (je.mallctl("epoch", null, null, epoch, Long.BYTES) != 0) {
                    return null;
                }
                long allocated = stat("stats.allocated", value);
                long resident = stat("stats.resident", value);
                if (allocated < 0 || resident < 0) {
                    return null;
                }
                return new MallocBytes(allocated, 0, Math.max(0, resident - allocated));
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                return null;
            }
        }

        private long stat(String name, Memory value) {
            LongByReference length = new LongByReference(Long.BYTES);
            return je.mallctl(name, value, length, null, 0) == 0 ? value.getLong(0) : -1;
        }

        @Override
        public boolean releasable() {
            return true;
        }

        @Override
        public Release release() {
            int error = je.mallctl("arena." + JEMALLOC_ARENAS_ALL + ".purge", null, null, null, 0);
            if (error != 0) {
                log.warn("jemalloc refused arena.{}.purge: error {}", JEMALLOC_ARENAS_ALL, error);
                return Release.FAILED;
            }
            return Release.RELEASED;
        }
    }

    /** An allocator this class cannot ask or trim: tcmalloc, another C library, a jemalloc without mallctl. */
    static final NativeHeap NO_HEAP = new NativeHeap() {
        @Override
        public MallocBytes bytes() {
            return null;
        }

        @Override
        public boolean releasable() {
            return false;
        }

        @Override
        public Release release() {
            return Release.FAILED;
        }
    };

    /** This process's {@link NativeHeap}, chosen once with {@link #allocator()}. */
    static NativeHeap nativeHeap() {
        return ProcessAllocator.HEAP;
    }

    /**
     * The path of the first mapped file whose name contains {@code name}, from the text of
     * {@code /proc/self/maps} (a line's last field, after the inode); null when none is mapped.
     */
    static String mappedLibrary(String maps, String name) {
        for (String line : maps.split("\n")) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.indexOf(name, slash) >= 0) {
                return line.substring(slash).trim();
            }
        }
        return null;
    }

    /**
     * The C allocator libtorch's tensors come from: "jemalloc" or "tcmalloc" when one is preloaded
     * ({@code LD_PRELOAD}, as the container image does), else "glibc". glibc's malloc took about 7 %
     * of the ensemble's CPU inside the forwards (docs/performance.md).
     *
     * @param maps the text of {@code /proc/self/maps}
     */
    static String nativeAllocator(String maps) {
        if (mappedLibrary(maps, "/libjemalloc") != null) {
            return "jemalloc";
        }
        if (mappedLibrary(maps, "/libtcmalloc") != null) {
            return "tcmalloc";
        }
        return "glibc";
    }

    /**
     * {@link #nativeAllocator(String)} of this process, read once (a process does not change its
     * malloc); "unknown" where there is no /proc.
     */
    static String allocator() {
        return ProcessAllocator.NAME;
    }

    /**
     * This process's allocator and its {@link NativeHeap}, where it is jemalloc through the library
     * the process mapped: both from one reading of /proc/self/maps, at first use (the class's
     * initialisation, which the JVM runs once).
     */
    private static final class ProcessAllocator {
        static final String NAME;
        static final NativeHeap HEAP;

        static {
            String maps = processMaps();
            NAME = maps == null ? "unknown" : nativeAllocator(maps);
            HEAP = switch (NAME) {
                case "glibc" -> new GlibcHeap();
                case "jemalloc" -> jemallocHeap(mappedLibrary(maps, "/libjemalloc"));
                default -> NO_HEAP;
            };
        }

        private static NativeHeap jemallocHeap(String path) {
            try {
                return new JemallocHeap(Native.load(path, JeMalloc.class));
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                log.debug("jemalloc's mallctl not loaded from {}: {}", path, e.toString());
                return NO_HEAP;
            }
        }
    }

    /** The text of /proc/self/maps; null where there is none. */
    private static String processMaps() {
        try {
            return Files.readString(Path.of("/proc/self/maps"));
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    /** Says once at start which allocator libtorch uses, and how to preload jemalloc when it is glibc's. */
    static void logNativeAllocator() {
        String allocator = allocator();
        if (allocator.equals("glibc")) {
            log.info("libtorch allocates with glibc's malloc{}; with jemalloc preloaded (LD_PRELOAD=/usr/lib/"
                    + "x86_64-linux-gnu/libjemalloc.so.2, Debian's libjemalloc2, as the container image and "
                    + "./mvnw spring-boot:run do where it is installed) the forwards cost less CPU: docs/performance.md",
                    mallocTuned ? ", blocks up to " + (MMAP_THRESHOLD >> 20) + " MiB from its arenas and up to "
                            + (TRIM_THRESHOLD >> 20) + " MiB kept free per arena" : " on its default thresholds");
        } else {
            log.info("libtorch allocates with {}", allocator);
        }
    }

    /** A variable of the process environment as native code sees it; null when unset. */
    static String nativeEnv(String name) {
        return libc().getenv(name);
    }

    /** The C library, loaded at first use; throws {@link LinkageError} where it does not load. */
    static LibC libc() {
        LibC c = libc;
        if (c == null) {
            c = Native.load("c", LibC.class);
            libc = c;
        }
        return c;
    }
}
