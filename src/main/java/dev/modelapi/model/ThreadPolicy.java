package dev.modelapi.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Linux scheduling policy of the service's threads ({@code modelapi.thread-policy}).
 *
 * <p>{@code batch}, the default: every thread of the process at {@code SCHED_BATCH}, set once at
 * start (before Spring makes any pool; threads made later inherit their maker's policy). The kernel's
 * fair scheduler then never lets a thread that wakes up preempt the one running: it waits for the
 * running thread's slice to end (checked at the timer tick) or for it to block. Under load two
 * forward threads keep the two cores busy while the pipeline's threads (request threads, the batch
 * queue's consumer, the ensemble pool, the batch timeout checker, the audit) wake some 2,000 times a
 * second; at {@code SCHED_OTHER} each wake took a core from a forward at once, about 750 times a
 * second per forward thread, and the forward picked up its tensors again from colder caches. At
 * {@code SCHED_BATCH} those preemptions halve and the service ran 1.05x the requests a second in
 * alternating windows of one process (docs/performance.md). The cost is latency while the cores
 * are saturated: a woken thread may wait up to a tick (4 ms at 250 Hz) instead of none; on a core
 * with nothing to run it runs at once, as before. Nice values still weigh each thread's share.
 *
 * <p>{@code inherit}: the policy the process was started with (normally {@code SCHED_OTHER}),
 * unchanged. Nothing is done on another system than Linux. A process may move its threads between
 * these two policies without privileges; where a seccomp profile refuses the call, the threads keep
 * their policy and the start's log line counts 0 of them.
 *
 * <p>The forward threads also ask for a longer time slice ({@link #setSlice},
 * {@code modelapi.models.forward-slice}): at {@code SCHED_BATCH} the tick still switches a forward
 * out once its slice (1.4 ms on 2 cores) is used up and another thread waits.
 */
public final class ThreadPolicy {

    /** The setting's name ({@code THREAD_POLICY} in application.yaml). */
    public static final String SETTING = "modelapi.thread-policy";

    /** The setting's default, as application.yaml gives it. */
    public static final String DEFAULT = "batch";

    /** {@code SCHED_OTHER}, {@code SCHED_BATCH} and {@code SCHED_IDLE} of {@code <sched.h>}. */
    public static final int SCHED_OTHER = 0;
    public static final int SCHED_BATCH = 3;
    public static final int SCHED_IDLE = 5;

    private static final Logger log = LoggerFactory.getLogger(ThreadPolicy.class);

    private static final Path TASKS = Path.of("/proc/self/task");

    /** The C library, or null where this class does nothing. */
    private static final DjlRuntime.LibC LIBC = Files.isDirectory(TASKS) ? ThreadNice.linuxLibc() : null;

    /** Threads the start set to SCHED_BATCH, or -1 when it did not (the setting, or the system). */
    private static volatile int setAtStart = -1;

    private ThreadPolicy() {
    }

    /** Whether this system has per-thread policies this class can set (Linux). */
    public static boolean supported() {
        return LIBC != null;
    }

    /**
     * @return {@code value} as the setting's canonical form, {@code batch} or {@code inherit}
     * @throws IllegalArgumentException for anything else, naming {@link #SETTING}
     */
    public static String parse(String value) {
        String policy = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (!policy.equals("batch") && !policy.equals("inherit")) {
            throw new IllegalArgumentException(SETTING + " must be batch (SCHED_BATCH for every thread) or inherit "
                    + "(the process's own policy), not '" + value + "'");
        }
        return policy;
    }

    /**
     * Applies the setting at start: with {@code batch}, every thread of the process to
     * {@code SCHED_BATCH}.
     *
     * @return the threads set, 0 with {@code inherit}, -1 where not {@link #supported()}
     */
    static int applyAtStart(String setting) {
        if (!parse(setting).equals("batch")) {
            return 0;
        }
        int set = setProcess(SCHED_BATCH);
        setAtStart = set;
        return set;
    }

    /** Threads the start set to {@code SCHED_BATCH}, or -1 when it set none (the setting was inherit, or not Linux). */
    public static int setAtStart() {
        return setAtStart;
    }

    /**
     * Sets every thread of the process to {@code policy} (a non-real-time one: {@link #SCHED_OTHER},
     * {@link #SCHED_BATCH}). Threads started meanwhile by a thread not yet set are caught by a second
     * pass; threads started afterwards inherit it from their makers.
     *
     * @return the threads whose policy changed, or -1 where not {@link #supported()}
     */
    static int setProcess(int policy) {
        if (!supported()) {
            return -1;
        }
        int changed = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int tid : threadIds()) {
                try {
                    if (LIBC.sched_getscheduler(tid) != policy && setPolicy(tid, policy)) {
                        changed++;
                    }
                } catch (LinkageError | RuntimeException e) {
                    // a thread that ended meanwhile fails with ESRCH (-1, not thrown); anything thrown ends the attempt
                    log.warn("Thread scheduling policy left as it is ({})", e.toString());
                    return changed;
                }
            }
        }
        return changed;
    }

    /**
     * Sets one thread's policy (a non-real-time one), keeping its nice value.
     *
     * @return whether the kernel took it; false where not {@link #supported()} or refused (a thread
     *     that ended, or leaving {@code SCHED_IDLE} without the right to, see {@link #idleIsReversible})
     */
    static boolean setPolicy(int tid, int policy) {
        if (!supported()) {
            return false;
        }
        try {
            return LIBC.sched_setscheduler(tid, policy, new int[] {0}) == 0;
        } catch (LinkageError | RuntimeException e) {
            log.warn("Thread scheduling policy left as it is ({})", e.toString());
            return false;
        }
    }

    /**
     * Whether a thread of this process may leave {@code SCHED_IDLE} again: Linux lets a thread
     * lower its own priority freely but raise it only as far as {@code RLIMIT_NICE} allows (the
     * kernel counts {@code SCHED_IDLE} as nice 20, so leaving it at nice 0 needs a limit of 20:
     * {@code ulimit -e 20}), or with {@code CAP_SYS_NICE} (root has it). Found by trying on a thread
     * of its own, which goes idle and back.
     */
    public static boolean idleIsReversible() {
        if (!supported()) {
            return false;
        }
        boolean[] reversible = {false};
        Thread probe = new Thread(() -> {
            int tid = ThreadNice.currentTid();
            int policy = LIBC.sched_getscheduler(tid);
            if (policy >= 0 && setPolicy(tid, SCHED_IDLE)) {
                reversible[0] = setPolicy(tid, policy);
            }
        }, "idle-policy-probe");
        probe.start();
        try {
            probe.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return reversible[0];
    }

    /** {@code SYS_sched_setattr} of the architecture, or 0 where not known. */
    private static final long SYS_SCHED_SETATTR = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 314;
        case "aarch64" -> 274;
        default -> 0;
    };

    /**
     * Sets the calling thread's time slice ({@code sched_setattr}'s {@code sched_runtime} for its
     * policy, which Linux 6.12 and later take as the slice the fair scheduler gives it before another
     * thread waiting for the core may run; 0.1-100 ms; earlier kernels ignore it), keeping its policy
     * and nice value. A forward thread at a slice of 20 ms runs a forward of an e-mail (some 5 ms)
     * start to end instead of being switched out every 1.4 ms (the kernel's base slice on 2 cores)
     * whenever a pipeline thread waits (docs/performance.md).
     *
     * @param sliceNanos the slice; 0 gives the thread the kernel's default back
     * @return whether the kernel took it; false where not supported
     */
    static boolean setSlice(long sliceNanos) {
        if (!supported() || SYS_SCHED_SETATTR == 0) {
            return false;
        }
        try {
            int tid = ThreadNice.currentTid();
            int policy = LIBC.sched_getscheduler(tid);
            if (policy != SCHED_OTHER && policy != SCHED_BATCH) {
                return false;
            }
            // struct sched_attr (SCHED_ATTR_SIZE_VER1, 56 bytes): size, policy, flags, nice, priority, runtime, deadline, period, util_min, util_max
            ByteBuffer attr = ByteBuffer.allocate(56).order(ByteOrder.nativeOrder());
            attr.putInt(56).putInt(policy).putLong(0).putInt(LIBC.getpriority(0, tid)).putInt(0).putLong(sliceNanos);
            return LIBC.syscall(SYS_SCHED_SETATTR, tid, attr.array(), 0) == 0;
        } catch (LinkageError | RuntimeException e) {
            log.warn("Thread time slice left as it is ({})", e.toString());
            return false;
        }
    }

    /** The calling thread's time slice in nanoseconds as {@code /proc} shows it ({@code se.slice}), or -1. */
    static long currentSlice() {
        try {
            for (String line : Files.readAllLines(TASKS.resolve(Integer.toString(ThreadNice.currentTid())).resolve("sched"))) {
                if (line.startsWith("se.slice")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The calling thread's policy ({@code sched_getscheduler}), or -1 where not {@link #supported()}. */
    static int currentPolicy() {
        return supported() ? LIBC.sched_getscheduler(ThreadNice.currentTid()) : -1;
    }

    /**
     * The process's threads at {@code policy} now, read from {@code /proc/self/task/<tid>/stat}
     * (field 41, the policy); -1 where not {@link #supported()}. About a millisecond for 150 threads.
     */
    public static int threadsAt(int policy) {
        if (!supported()) {
            return -1;
        }
        int count = 0;
        for (int tid : threadIds()) {
            if (policyOf(tid) == policy) {
                count++;
            }
        }
        return count;
    }

    /** A thread's policy from its stat line, or -1 when it ended meanwhile. */
    public static int policyOf(int tid) {
        String stat;
        try {
            stat = Files.readString(TASKS.resolve(Integer.toString(tid)).resolve("stat"));
        } catch (IOException e) {
            return -1;
        }
        // the name (field 2) is in parentheses and may hold spaces and parentheses: fields 3 on follow the last ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        return fields.length > 38 ? Integer.parseInt(fields[38]) : -1;
    }

    private static List<Integer> threadIds() {
        List<Integer> ids = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                ids.add(Integer.parseInt(task.getFileName().toString()));
            }
        } catch (IOException | NumberFormatException e) {
            log.debug("Could not list the process's threads", e);
        }
        return ids;
    }
}
