package dev.modelapi.model;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread's nice value on Linux: {@code setpriority(PRIO_PROCESS, tid, nice)} applies to the one
 * thread whose id it is given (Linux's threads are scheduled one by one; POSIX would mean the
 * process, so nothing is done on another system). A process may raise its threads' nice value
 * without privileges, never lower it below where it started: a thread once made nicer stays so.
 *
 * <p>The service's workers (the servlet container's request threads, the forward threads) set
 * {@code modelapi.worker-thread-nice} for themselves when it is above 0 (the default is 0), so that
 * the JVM's own threads (the JIT compilers, the collector) and the housekeeping threads, at the
 * process's nice value, run first when they have work, while the workers share the cores among
 * themselves as before. Everything else on the machine comes first too: uncached throughput at 32
 * clients fell to 0.85-0.90x with a load client on the same cores (docs/performance.md).
 */
public final class ThreadNice {

    /** The setting's name, read where workers start: {@code modelapi.worker-thread-nice}. */
    public static final String SETTING = "modelapi.worker-thread-nice";

    /** The setting's default: the process's own nice value (application.yaml gives the same). */
    public static final int DEFAULT = 0;

    private static final Logger log = LoggerFactory.getLogger(ThreadNice.class);

    /** {@code PRIO_PROCESS} of {@code <sys/resource.h>}. */
    private static final int PRIO_PROCESS = 0;

    /** The C library (DjlRuntime's binding), or null where this class does nothing. */
    private static final DjlRuntime.LibC LIBC = load();

    /** {@code SYS_gettid} of the architecture, or 0 where this is not known. */
    private static final long SYS_GETTID = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 186;
        case "aarch64" -> 178;
        default -> 0;
    };

    private ThreadNice() {
    }

    private static DjlRuntime.LibC load() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            return DjlRuntime.libc();
        } catch (LinkageError e) {
            log.warn("Thread priorities and policies left as they are: the C library did not load ({})", e.getMessage());
            return null;
        }
    }

    /** The C library where threads are scheduled one by one (Linux), or null: {@link ThreadPolicy}'s too. */
    static DjlRuntime.LibC linuxLibc() {
        return LIBC;
    }

    /** Whether this system schedules threads one by one with nice values that this class can set. */
    public static boolean supported() {
        return LIBC != null && SYS_GETTID != 0;
    }

    /** The calling thread's kernel id, or -1 where not {@link #supported()}. */
    public static int currentTid() {
        return supported() ? (int) LIBC.syscall(SYS_GETTID) : -1;
    }

    /**
     * Sets the calling thread's nice value to at least {@code nice} (one already nicer is left).
     *
     * @return the thread's nice value afterwards, or {@link Integer#MIN_VALUE} where not supported,
     *     the kernel refused or the C library failed the call; never throws
     */
    public static int atLeast(int nice) {
        if (!supported()) {
            return Integer.MIN_VALUE;
        }
        try {
            int tid = currentTid();
            int now = LIBC.getpriority(PRIO_PROCESS, tid);
            if (now >= nice) {
                return now;
            }
            if (LIBC.setpriority(PRIO_PROCESS, tid, nice) != 0) {
                return Integer.MIN_VALUE;
            }
            return LIBC.getpriority(PRIO_PROCESS, tid);
        } catch (LinkageError | RuntimeException e) {
            // called on a forward or request thread about to run its work: a priority is never worth failing it
            log.warn("Thread priority left as it is ({})", e.toString());
            return Integer.MIN_VALUE;
        }
    }

    /** The calling thread's nice value, or {@link Integer#MIN_VALUE} where not supported. */
    public static int current() {
        return supported() ? LIBC.getpriority(PRIO_PROCESS, currentTid()) : Integer.MIN_VALUE;
    }

    /**
     * @return {@code nice} when it is a nice value a thread may take (0 to 19)
     * @throws IllegalArgumentException otherwise, naming {@link #SETTING}
     */
    public static int checked(int nice) {
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException(SETTING + " must be 0 (the process's own) to 19, not " + nice);
        }
        return nice;
    }

    /**
     * Counts a pool's workers that took the setting ({@code modelapi_threads_reniced_total{pool}}):
     * Tomcat's request threads ({@code http}) and the forward threads ({@code forward}).
     */
    public static <T> void meter(MeterRegistry meters, String pool, T counts, ToDoubleFunction<T> reniced) {
        FunctionCounter.builder("modelapi.threads.reniced", counts, reniced).tag("pool", pool)
                .description("Worker threads that set their nice value to " + SETTING
                        + ": request threads at their first request, forward threads at their first batch")
                .register(meters);
    }
}
