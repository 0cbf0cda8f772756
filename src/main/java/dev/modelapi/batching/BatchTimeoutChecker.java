package dev.modelapi.batching;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that completes batches past {@code max-delay}: the batch aggregator's timeout checker
 * ({@code timeoutCheckerExecutorService} of {@code batch-aggregate} in routes/batching.camel.yaml),
 * told of every text as it reaches the aggregator (the step {@code batch-arrival} before it, this
 * bean as a {@link Processor}).
 *
 * <p>Camel's own checker runs the aggregator's check every {@code timeout-checker-interval} (1 ms)
 * for as long as the route runs: a thread woken a thousand times a second, about 1 % of a core, also
 * on a service no text has reached for hours. This one runs the check when a batch may be due:
 * <ul>
 * <li><b>once for each text that may wait</b> for others (a text alone in its batch never waits:
 *     {@link #process}), {@code max-delay} and two intervals after it arrived: then the batch it
 *     joined, if no text joined it since and it is still short of its limit, is past its timeout
 *     (Camel's timeout starts as the aggregator takes the text, a moment after this step, and counts
 *     in whole milliseconds). Texts within an interval of each other share one such check, so a
 *     stream of short texts brings at most one an interval, as Camel's own checker would;</li>
 * <li><b>every {@code max-delay} while such texts come</b>, and for {@code keepAwake} after the last:
 *     a text whose thread was held up between this step and the aggregator (a preempted thread on a
 *     busy machine) reaches its timeout after its own check, and its batch waits at most one
 *     {@code max-delay} more for the next;</li>
 * <li><b>every {@code idleInterval} otherwise</b>, which bounds the wait should a text reach the
 *     aggregator without passing {@code batch-arrival} (a route edited without that step: then
 *     batches of fewer texts than their limit wait up to {@code idleInterval}).</li>
 * </ul>
 * The checks assume the aggregator's {@code completionTimeout} is {@code modelapi.batching.max-delay},
 * as routes/batching.camel.yaml sets it; a longer one edited into the route leaves a batch to the
 * periodic checks, a shorter one to its text's own check.
 *
 * <p>Each periodic task Camel schedules here (one per aggregator; two for a moment while a reload
 * replaces the route) runs on the one thread and is cancelled by its aggregator when it stops, with
 * the texts' checks it still had pending.
 */
public final class BatchTimeoutChecker extends ScheduledThreadPoolExecutor implements Processor {

    private static final Logger log = LoggerFactory.getLogger(BatchTimeoutChecker.class);

    private final long maxDelayNanos;
    private final long keepAwakeNanos;
    private final long idleNanos;
    private final Set<Check> checks = new CopyOnWriteArraySet<>();
    private final AtomicLong runs = new AtomicLong();
    /** System.nanoTime() when a text last reached the aggregator (to the millisecond). */
    private volatile long lastText;
    /** True while the checks wait {@code idleInterval}: the next text must wake them. */
    private volatile boolean asleep;

    /**
     * @param maxDelay the aggregator's completion timeout ({@code modelapi.batching.max-delay})
     * @param keepAwake how long after a text arrives the checks also run every {@code maxDelay}
     * @param idleInterval how often they run after that, until the next text
     */
    public BatchTimeoutChecker(Duration maxDelay, Duration keepAwake, Duration idleInterval) {
        super(1, runnable -> {
            Thread thread = new Thread(runnable, "batch-timeout-checker");
            thread.setDaemon(true);
            return thread;
        });
        if (idleInterval.isNegative() || idleInterval.isZero()) {
            // a zero idle interval would run the checks back to back on an idle service
            throw new IllegalArgumentException(
                    "modelapi.batching.timeout-checker-idle-interval must be positive, not " + idleInterval);
        }
        if (maxDelay.isNegative()) {
            throw new IllegalArgumentException("modelapi.batching.max-delay must not be negative, not " + maxDelay);
        }
        this.maxDelayNanos = maxDelay.toNanos();
        this.keepAwakeNanos = keepAwake.toNanos();
        this.idleNanos = idleInterval.toNanos();
        this.lastText = System.nanoTime() - keepAwakeNanos;
        setRemoveOnCancelPolicy(true);
        setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * The step {@code batch-arrival}: a text reached the aggregator. A text whose batch holds one
     * text ({@link BatchJob#batchLimit()} 1: an e-mail-length text, alone in its batch by default)
     * completes its batch by size as it arrives and never waits for a timeout, so it leaves the
     * checks as they are: under a load of such texts they rest instead of waking for checks that find
     * nothing, each wake taking a core from a forward.
     */
    @Override
    public void process(Exchange exchange) {
        if (exchange.getMessage().getBody() instanceof BatchJob job && job.batchLimit() <= 1) {
            return;
        }
        textArrived();
    }

    /**
     * A text that may wait for others reached the aggregator: each aggregator's check runs once when
     * its batch may be due, and every {@code maxDelay} for {@code keepAwake} from now.
     */
    public void textArrived() {
        long now = System.nanoTime();
        // under load, one write a millisecond rather than one per text
        if (now - lastText > TimeUnit.MILLISECONDS.toNanos(1)) {
            lastText = now;
        }
        if (asleep) {
            wakeUp();
        }
        for (Check check : checks) {
            check.dueAfter(now);
        }
    }

    /** Checks run so far, all aggregators together (the counter {@code modelapi.batch.timeout.checks}). */
    public long runs() {
        return runs.get();
    }

    /** Whether the checks now wait {@code idleInterval} rather than {@code maxDelay}. */
    public boolean isAsleep() {
        return asleep;
    }

    private void wakeUp() {
        asleep = false;
        for (Check check : checks) {
            check.wake();
        }
    }

    private boolean textsLately() {
        return System.nanoTime() - lastText < keepAwakeNanos;
    }

    /**
     * How Camel's timeout map schedules its check (with a fixed delay of the aggregator's
     * {@code completionTimeoutCheckerInterval}): here the check runs as the class says, that delay
     * the slack after a text's {@code maxDelay} and the interval within which texts share a check.
     */
    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        if (command == null || unit == null) {
            throw new NullPointerException();
        }
        if (delay <= 0) {
            throw new IllegalArgumentException("a check's delay must be positive, not " + delay);
        }
        Check check = new Check(command, unit.toNanos(delay));
        checks.add(check);
        try {
            check.scheduleIn(unit.toNanos(initialDelay));
        } catch (RejectedExecutionException shutDown) {
            checks.remove(check);
            throw shutDown;
        }
        return check;
    }

    /** One aggregator's check; its own future, so that the aggregator can cancel it. */
    private final class Check implements Runnable, ScheduledFuture<Object> {
        private final Runnable command;
        private final long periodNanos;
        /** How often the check runs while texts come: every maxDelay, at least every Camel's interval. */
        private final long awakeNanos;
        /** System.nanoTime() of the latest text's own check. */
        private final AtomicLong lastDue = new AtomicLong();
        /** The texts' own checks not yet run (and those run since the last text came), cancelled with the check. */
        private final Set<ScheduledFuture<?>> pendingDue = ConcurrentHashMap.newKeySet();
        private final Runnable dueRun = this::runDue;
        private final Object lock = new Object();
        /** The next run, guarded by lock. */
        private ScheduledFuture<?> next;
        /** Whether the next run is an idle one, guarded by lock. */
        private boolean idle;
        private volatile boolean cancelled;

        Check(Runnable command, long periodNanos) {
            this.command = command;
            this.periodNanos = periodNanos;
            this.awakeNanos = Math.max(periodNanos, maxDelayNanos);
            this.lastDue.set(System.nanoTime() - maxDelayNanos - 2 * periodNanos);
        }

        /**
         * A text that arrived at {@code arrived} is due {@code maxDelay} and two intervals later: a
         * check runs then, unless one already runs within an interval after that (a text shortly
         * before took it; arrivals come in time order, so a later due time is never missed).
         */
        void dueAfter(long arrived) {
            long due = arrived + maxDelayNanos + 2 * periodNanos;
            long last;
            do {
                last = lastDue.get();
                if (due - last < periodNanos) {
                    return;
                }
            } while (!lastDue.compareAndSet(last, due));
            synchronized (lock) {
                if (cancelled) {
                    return;
                }
                pendingDue.removeIf(ScheduledFuture::isDone);
                try {
                    pendingDue.add(schedule(dueRun, due - System.nanoTime(), TimeUnit.NANOSECONDS));
                } catch (RejectedExecutionException shutDown) {
                    // the service is stopping: no batch is left to wait for
                }
            }
        }

        private void runDue() {
            if (!cancelled) {
                check();
            }
        }

        private void check() {
            try {
                command.run();
            } catch (RuntimeException e) {
                // as Camel's own checker: a failed check must not end the checks
                log.warn("A batch timeout check failed; the next runs as usual", e);
            }
            runs.incrementAndGet();
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            check();
            if (textsLately()) {
                scheduleIn(awakeNanos);
                return;
            }
            // Going to sleep: say so first, then look again, so that a text queued meanwhile is either
            // seen here or sees asleep and wakes this check (both sides write, then read, volatiles);
            // under the lock, so that such a wake finds this check already idle.
            synchronized (lock) {
                if (cancelled) {
                    return;
                }
                asleep = true;
                if (textsLately()) {
                    asleep = false;
                    idle = false;
                    next = schedule(this, awakeNanos, TimeUnit.NANOSECONDS);
                } else {
                    idle = true;
                    // never more often asleep than awake
                    next = schedule(this, Math.max(idleNanos, awakeNanos), TimeUnit.NANOSECONDS);
                }
            }
        }

        void scheduleIn(long nanos) {
            synchronized (lock) {
                if (!cancelled) {
                    idle = false;
                    next = schedule(this, nanos, TimeUnit.NANOSECONDS);
                }
            }
        }

        /**
         * Brings an idle check forward to {@code maxDelay} from now (the text that woke it has its own
         * check besides); a check already running every {@code maxDelay} stays as it is.
         */
        void wake() {
            synchronized (lock) {
                if (idle && !cancelled && next.cancel(false)) {
                    idle = false;
                    next = schedule(this, awakeNanos, TimeUnit.NANOSECONDS);
                }
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (lock) {
                if (cancelled) {
                    return false;
                }
                cancelled = true;
                checks.remove(this);
                if (next != null) {
                    next.cancel(false);
                }
                pendingDue.forEach(due -> due.cancel(false));
                pendingDue.clear();
                return true;
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled;
        }

        @Override
        public Object get() throws InterruptedException, ExecutionException {
            throw new UnsupportedOperationException("a periodic check has no result");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            throw new UnsupportedOperationException("a periodic check has no result");
        }

        @Override
        public long getDelay(TimeUnit unit) {
            synchronized (lock) {
                return next == null ? 0 : next.getDelay(unit);
            }
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
