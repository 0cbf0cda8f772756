package dev.modelapi.model;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads whose work a request has already handed off (the audit's writers) at {@code SCHED_IDLE}
 * while their backlog is short, so they never hold a core a request's thread wakes up for.
 *
 * <p>Why: every thread of the service runs at {@code SCHED_BATCH} ({@link ThreadPolicy}), whose
 * woken threads never preempt the one running; a request's thread woken while both cores are busy,
 * one of them with the audit's insert of 100 rows or its queue's consumer, waited for the timer
 * tick (up to 4 ms). Linux counts a core running only {@code SCHED_IDLE} threads as idle when it
 * places a woken thread, and any other thread preempts them at once. At one connection of cache
 * hits that took the p99 from 2.5 to 1.7 ms in alternating windows of one process
 * (docs/performance.md).
 *
 * <p>An idle thread runs only on what the other threads leave; under saturation (two forwards on
 * two cores) that may be too little for the audit's rows. So the backlog decides: once the queue it
 * drains holds {@code promoteAt} rows ({@link #backlog}), every such thread goes back to
 * its policy ({@code SCHED_BATCH}) until the queue is down to {@code demoteAt}, and the rows are written as
 * before. Going back from {@code SCHED_IDLE} needs {@code CAP_SYS_NICE} or {@code RLIMIT_NICE} of
 * 20 ({@link ThreadPolicy#idleIsReversible}); where the process has neither, no thread is made idle
 * at all (a thread that could not be promoted could starve) and the start's log says so.
 */
public final class IdleThreads {

    private static final Logger log = LoggerFactory.getLogger(IdleThreads.class);

    private final boolean active;
    private final int promoteAt;
    private final int demoteAt;
    /** The joined threads' ids, and the policy each had before (the process's). */
    private final Map<Integer, Integer> threads = new ConcurrentHashMap<>();
    private final Counter promotions;
    private volatile boolean promoted;

    /**
     * @param wanted whether the setting asks for idle threads
     * @param reversible whether a thread may leave {@code SCHED_IDLE} again ({@link ThreadPolicy#idleIsReversible})
     * @param promoteAt backlog (rows) at which the threads go to {@code SCHED_BATCH}
     * @param demoteAt backlog at or under which they go idle again; below {@code promoteAt}
     */
    public IdleThreads(boolean wanted, boolean reversible, int promoteAt, int demoteAt, MeterRegistry meters) {
        if (demoteAt >= promoteAt) {
            throw new IllegalArgumentException("demoteAt (" + demoteAt + ") must be below promoteAt (" + promoteAt + ")");
        }
        this.active = wanted && reversible && ThreadPolicy.supported();
        this.promoteAt = promoteAt;
        this.demoteAt = demoteAt;
        if (wanted && !active) {
            log.info("Audit writers stay at the process's policy: {}", ThreadPolicy.supported()
                    ? "a thread may not leave SCHED_IDLE again here (neither CAP_SYS_NICE nor RLIMIT_NICE 20)"
                    : "not Linux");
        }
        this.promotions = Counter.builder("modelapi.deferred.promotions")
                .description("Times the audit's writers left SCHED_IDLE for SCHED_BATCH because their queue held modelapi.audit.writer-promote-at rows")
                .register(meters);
        Gauge.builder("modelapi.deferred.threads", this, IdleThreads::idleNow)
                .description("The audit's writer threads at SCHED_IDLE now (0 while promoted, or where idle threads are not used)")
                .register(meters);
    }

    /** Whether threads that {@link #join} are made idle (the setting, and a system that allows going back). */
    public boolean active() {
        return active;
    }

    /** Whether the threads are at {@code SCHED_BATCH} for a backlog now. */
    public boolean promoted() {
        return promoted;
    }

    /** The threads at {@code SCHED_IDLE} now. */
    public int idleNow() {
        return active && !promoted ? threads.size() : 0;
    }

    /** The calling thread does deferred work from now on: idle unless the backlog has promoted the others. */
    public synchronized void join() {
        int tid = ThreadNice.currentTid();
        if (!active || threads.containsKey(tid)) {
            return;
        }
        int policy = ThreadPolicy.policyOf(tid);
        threads.put(tid, policy < 0 ? ThreadPolicy.SCHED_BATCH : policy);
        if (!promoted) {
            ThreadPolicy.setPolicy(tid, ThreadPolicy.SCHED_IDLE);
        }
    }

    /** The calling thread ends (its id may be given to another thread): back to its policy and forgotten. */
    public synchronized void leave() {
        int tid = ThreadNice.currentTid();
        Integer policy = threads.remove(tid);
        if (policy != null) {
            ThreadPolicy.setPolicy(tid, policy);
        }
    }

    /**
     * The queue the threads drain holds {@code rows}: at {@code promoteAt} or more they go to
     * {@code SCHED_BATCH}, at {@code demoteAt} or fewer idle again. Called for every row queued; a
     * call that changes nothing reads two fields.
     */
    public void backlog(int rows) {
        if (!active) {
            return;
        }
        if (!promoted && rows >= promoteAt) {
            switchTo(true);
        } else if (promoted && rows <= demoteAt) {
            switchTo(false);
        }
    }

    private synchronized void switchTo(boolean promote) {
        if (promoted == promote) {
            return;
        }
        promoted = promote;
        if (promote) {
            promotions.increment();
        }
        threads.forEach((tid, policy) -> ThreadPolicy.setPolicy(tid, promote ? policy : ThreadPolicy.SCHED_IDLE));
    }
}
