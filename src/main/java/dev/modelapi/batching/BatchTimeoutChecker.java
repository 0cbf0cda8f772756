package dev.modelapi.batching;

import java.time.Duration;
import java.util.Set;
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
 * on a service no text has reached for hours. This one runs the check at that interval only while
 * texts that may wait for others come: every such text that reaches the aggregator keeps it at the
 * interval for {@code keepAwake} more (a text alone in its batch never waits: {@link #process}); after that it checks every {@code idleInterval}, and the next text wakes it at once. A batch
 * completes by timeout {@code max-delay} after the last text joined it, so a {@code keepAwake} longer
 * than {@code max-delay} plus the interval never leaves a batch waiting for the idle checks; they
 * only bound the wait should a text reach the aggregator without passing {@code batch-arrival}
 * (a route edited without that step: then batches of fewer texts than their limit wait up to
 * {@code idleInterval}).
 *
 * <p>Each periodic task Camel schedules here (one per aggregator; two for a moment while a reload
 * replaces the route) runs on the one thread and is cancelled by its aggregator when it stops.
 */
public final class BatchTimeoutChecker extends ScheduledThreadPoolExecutor implements Processor {

    private static final Logger log = LoggerFactory.getLogger(BatchTimeoutChecker.class);

    private final long keepAwakeNanos;
    private final long idleNanos;
    private final Set<Check> checks = new CopyOnWriteArraySet<>();
    private final AtomicLong runs = new AtomicLong();
    /** System.nanoTime() when a text last reached the aggregator (to the millisecond). */
    private volatile long lastText;
    /** True while the checks wait {@code idleInterval}: the next text must wake them. */
    private volatile boolean asleep;

    /**
     * @param keepAwake how long after a text arrives the checks keep Camel's interval
     * @param idleInterval how often they run after that, until the next text
     */
    public BatchTimeoutChecker(Duration keepAwake, Duration idleInterval) {
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
     * checks as they are: under a load of such texts they rest instead of waking a thousand times a
     * second, each wake taking a core from a forward for a check that finds nothing.
     */
    @Override
    public void process(Exchange exchange) {
        if (exchange.getMessage().getBody() instanceof BatchJob job && job.batchLimit() <= 1) {
            return;
        }
        textArrived();
    }

    /** A text reached the aggregator: the checks run at their interval for {@code keepAwake} from now. */
    public void textArrived() {
        long now = System.nanoTime();
        // under load, one write a millisecond rather than one per text
        if (now - lastText > TimeUnit.MILLISECONDS.toNanos(1)) {
            lastText = now;
        }
        if (asleep) {
            wakeUp();
        }
    }

    /** Checks run so far, all aggregators together (the counter {@code modelapi.batch.timeout.checks}). */
    public long runs() {
        return runs.get();
    }

    /** Whether the checks now wait {@code idleInterval} rather than their own interval. */
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
     * {@code completionTimeoutCheckerInterval}): here that delay holds while texts come, {@code
     * idleInterval} otherwise.
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

    /** One aggregator's periodic check; its own future, so that the aggregator can cancel it. */
    private final class Check implements Runnable, ScheduledFuture<Object> {
        private final Runnable command;
        private final long periodNanos;
        private final Object lock = new Object();
        /** The next run, guarded by lock. */
        private ScheduledFuture<?> next;
        /** Whether the next run is an idle one, guarded by lock. */
        private boolean idle;
        private volatile boolean cancelled;

        Check(Runnable command, long periodNanos) {
            this.command = command;
            this.periodNanos = periodNanos;
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            try {
                command.run();
            } catch (RuntimeException e) {
                // as Camel's own checker: a failed check must not end the checks
                log.warn("A batch timeout check failed; the next runs as usual", e);
            }
            runs.incrementAndGet();
            if (textsLately()) {
                scheduleIn(periodNanos);
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
                    next = schedule(this, periodNanos, TimeUnit.NANOSECONDS);
                } else {
                    idle = true;
                    // never more often asleep than awake
                    next = schedule(this, Math.max(idleNanos, periodNanos), TimeUnit.NANOSECONDS);
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

        /** Brings an idle check forward to now; a check already at its interval stays as it is. */
        void wake() {
            synchronized (lock) {
                if (idle && !cancelled && next.cancel(false)) {
                    idle = false;
                    next = schedule(this, 0, TimeUnit.NANOSECONDS);
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
