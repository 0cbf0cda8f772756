package dev.modelapi.model;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that run forwards, shared by every loaded model: {@code modelapi.models.max-concurrent-forwards}
 * of them (by default one per core), as DJL's in-process loop runs an ensemble: one thread per
 * core, each taking the next batch of whichever model. A thread that finishes a forward takes the
 * next queued batch itself, so a busy machine never waits for a parked thread to wake up (with a
 * worker per model and a slot per core, the hand-over of the slot idled about 5 % of the cores in
 * an ensemble: docs/performance.md).
 *
 * <p>Each model is a {@link Lane}: its predictors (DJL predictors are not thread-safe: a batch holds
 * one for its forward, so no more of a model's batches run at once than it has predictors) and its
 * bounded share of the queue. Batches run in the order they came, except that one whose model has
 * no free predictor waits while later batches of other models go ahead.
 *
 * <p>A forward that hangs (or runs far longer than a forward should) must not take every model down
 * with it: a watchdog counts threads on one batch for longer than {@code stallAfter} as stalled and
 * starts a spare thread for each, up to {@code size} spares, so that {@code size} threads keep
 * serving; when a stalled forward returns, a thread above the size retires.
 *
 * <p>The same watchdog runs an idle task, if given, once no forward has run for {@code idleAfter},
 * and again every {@code idleAfter} while none runs: the registry's gives the allocator's free
 * native heap (glibc's or jemalloc's) back to the kernel ({@link DjlRuntime#trimNativeHeap()}),
 * which the forwards would otherwise keep resident for the next forward that does not come.
 *
 * @param <P> what a batch holds while it runs: a model's predictor
 */
final class ForwardPool<P> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ForwardPool.class);

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a batch is queued or a predictor is given back with batches of its model queued. */
    private final Condition work = lock.newCondition();
    /** Signalled when a lane has nothing queued and nothing running. */
    private final Condition laneIdle = lock.newCondition();
    private final ArrayDeque<Task<P>> queue = new ArrayDeque<>();
    /** Signalled on shutdown, to stop the watchdog. */
    private final Condition stopped = lock.newCondition();
    private final List<ForwardThread<P>> threads = new ArrayList<>();
    private final int size;
    private final long stallNanos;
    private final String name;
    private final Thread watchdog;
    private int nextIndex;
    private int running;
    private int stalled;
    private long sparesStarted;
    private boolean shutdown;
    /** Run by the watchdog when no forward has run for idleNanos; null: none. */
    private final Runnable whenIdle;
    private final long idleNanos;
    /** System.nanoTime() when the last forward ended or the idle task last ran. */
    private long lastActive;
    private long idleRuns;
    /** The nice value each forward thread sets for itself before its next batch ({@link ThreadNice}); 0: none. */
    private volatile int threadNice;
    private final AtomicLong reniced = new AtomicLong();
    /** The time slice each forward thread sets for itself before its next batch ({@link ThreadPolicy#setSlice}); 0: none. */
    private volatile long threadSliceNanos;
    private final AtomicLong sliced = new AtomicLong();

    /**
     * @param size the threads that run forwards: the most forwards at once, stalled ones aside
     * @param stallAfter how long one forward may run before its thread counts as stalled and a spare starts
     */
    ForwardPool(int size, Duration stallAfter, String name) {
        this(size, stallAfter, name, Duration.ZERO, null);
    }

    /**
     * @param size the threads that run forwards: the most forwards at once, stalled ones aside
     * @param stallAfter how long one forward may run before its thread counts as stalled and a spare starts
     * @param idleAfter how long without a forward before {@code whenIdle} runs (on the watchdog
     *     thread, again every {@code idleAfter} while no forward runs); zero: never
     * @param whenIdle what to do then; null: nothing
     */
    ForwardPool(int size, Duration stallAfter, String name, Duration idleAfter, Runnable whenIdle) {
        if (size < 1) {
            throw new IllegalArgumentException("a forward pool needs at least one thread, not " + size);
        }
        this.size = size;
        this.stallNanos = stallAfter.toNanos();
        this.name = name;
        this.idleNanos = idleAfter.toNanos();
        this.whenIdle = idleNanos > 0 ? whenIdle : null;
        this.lastActive = System.nanoTime();
        lock.lock();
        try {
            for (int i = 0; i < size; i++) {
                startThread();
            }
        } finally {
            lock.unlock();
        }
        this.watchdog = new Thread(this::watch, name + "-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void startThread() {
        int index = nextIndex++;
        ForwardThread<P> thread = new ForwardThread<>(this, index, name + "-" + index);
        threads.add(thread);
        thread.start();
    }

    /** A forward thread; while it runs a batch it knows the batch's lane and the predictor it holds. */
    static final class ForwardThread<P> extends Thread {
        private final ForwardPool<P> pool;
        private final int index;
        private Lane<P> lane;
        private P held;
        /** System.nanoTime() when it took the batch it runs; 0 while idle. */
        private long since;
        /** The nice value this thread last set for itself ({@link #threadNice(int)}). */
        private int nice;
        /** The time slice this thread last set for itself ({@link #threadSlice}). */
        private long sliceNanos;

        ForwardThread(ForwardPool<P> pool, int index, String name) {
            super(name);
            this.pool = pool;
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            pool.work(this);
        }

        /** The predictor this thread holds for {@code lane}'s batch it is running; null otherwise. */
        P heldFor(Lane<P> of) {
            return lane == of ? held : null;
        }
    }

    /**
     * The nice value every forward thread sets for itself before its next batch (the workers' value,
     * {@code modelapi.worker-thread-nice}, 0 by default; {@link ThreadNice}): the same as the request
     * threads', so that forwards and requests share the cores as before while the JIT and the
     * collector come first.
     */
    void threadNice(int nice) {
        this.threadNice = ThreadNice.checked(nice);
    }

    /**
     * The time slice every forward thread sets for itself before its next batch
     * ({@code modelapi.models.forward-slice}, 20 ms by default; zero: the kernel's own): long enough
     * that a forward runs start to end on its core while the pipeline's threads wait for its end
     * (docs/performance.md, "The threads' scheduling policy").
     */
    void threadSlice(Duration slice) {
        if (slice.isNegative() || slice.compareTo(Duration.ofMillis(100)) > 0) {
            throw new IllegalArgumentException("modelapi.models.forward-slice must be 0 (the kernel's) to 100ms, not " + slice);
        }
        this.threadSliceNanos = slice.toNanos();
    }

    /** Forward threads that set their time slice to {@link #threadSlice}'s. */
    long sliced() {
        return sliced.get();
    }

    /** Forward threads that set their nice value to {@link #threadNice(int)}'s. */
    long reniced() {
        return reniced.get();
    }

    /** The predictor the running batch of {@code lane} holds when called on a forward thread running one; else null. */
    static <P> P heldOnThisThread(Lane<P> lane) {
        return Thread.currentThread() instanceof ForwardThread<?> thread && thread.pool == lane.pool
                ? lane.pool.cast(thread).heldFor(lane) : null;
    }

    @SuppressWarnings("unchecked")
    private ForwardThread<P> cast(ForwardThread<?> thread) {
        return (ForwardThread<P>) thread;
    }

    private record Task<P>(Lane<P> lane, Runnable body, Runnable abandon) {
    }

    /** A model's place in the pool: its predictors and its share of the queue. */
    static final class Lane<P> {
        private final ForwardPool<P> pool;
        private final String name;
        private final List<P> predictors;
        private final boolean[] busy;
        private final int capacity;
        private int free;
        private int queued;
        private int running;
        private boolean closed;

        private Lane(ForwardPool<P> pool, String name, List<P> predictors, int capacity) {
            this.pool = pool;
            this.name = name;
            this.predictors = List.copyOf(predictors);
            this.busy = new boolean[predictors.size()];
            this.free = predictors.size();
            this.capacity = capacity;
        }

        /**
         * Queues {@code body} to run on a forward thread holding one of this lane's predictors; if
         * the lane closes before it runs, {@code abandon} runs instead, on the closing thread.
         *
         * @throws RejectedExecutionException when {@code capacity} batches of this lane are queued,
         *     or the lane or the pool is closed
         */
        void submit(Runnable body, Runnable abandon) {
            pool.lock.lock();
            try {
                if (closed || pool.shutdown) {
                    throw new RejectedExecutionException(name + " takes no more batches: closed");
                }
                if (queued >= capacity) {
                    throw new RejectedExecutionException(name + ": " + queued + " batches already queued");
                }
                queued++;
                pool.queue.addLast(new Task<>(this, body, abandon));
                pool.work.signal();
            } finally {
                pool.lock.unlock();
            }
        }

        /** Batches of this lane waiting for a thread. */
        int queued() {
            return (int) pool.read(() -> queued);
        }

        /** Batches of this lane running now. */
        int running() {
            return (int) pool.read(() -> running);
        }

        int predictors() {
            return predictors.size();
        }

        /**
         * Takes no more batches and waits at most {@code wait} for those queued and running to finish.
         *
         * @return whether the lane became idle in time
         */
        boolean drain(Duration wait) throws InterruptedException {
            long left = wait.toNanos();
            pool.lock.lock();
            try {
                closed = true;
                while (queued + running > 0) {
                    if (left <= 0) {
                        return false;
                    }
                    left = pool.laneIdle.awaitNanos(left);
                }
                return true;
            } finally {
                pool.lock.unlock();
            }
        }

        /**
         * Takes no more batches, abandons the queued ones and waits at most {@code wait} for the
         * running ones: after it returns true no forward holds one of this lane's predictors.
         */
        boolean close(Duration wait) throws InterruptedException {
            long start = System.nanoTime();
            List<Task<P>> abandoned = new ArrayList<>();
            pool.lock.lock();
            try {
                closed = true;
                for (Iterator<Task<P>> it = pool.queue.iterator(); it.hasNext(); ) {
                    Task<P> task = it.next();
                    if (task.lane == this) {
                        it.remove();
                        queued--;
                        abandoned.add(task);
                    }
                }
                if (queued + running == 0) {
                    pool.laneIdle.signalAll();
                }
            } finally {
                pool.lock.unlock();
            }
            for (Task<P> task : abandoned) {
                try {
                    task.abandon.run();
                } catch (RuntimeException e) {
                    log.warn("{}: abandoning a queued batch failed", name, e);
                }
            }
            return drain(Duration.ofNanos(wait.toNanos() - (System.nanoTime() - start))); // none queued now
        }

        /** A free predictor, the thread's own index first so that a thread keeps using the same one; -1 when none. */
        private int take(int preferred) {
            if (free == 0) {
                return -1;
            }
            int n = busy.length;
            for (int k = 0; k < n; k++) {
                int i = (preferred + k) % n;
                if (!busy[i]) {
                    busy[i] = true;
                    free--;
                    return i;
                }
            }
            return -1;
        }
    }

    /** A lane for a model with these predictors, at most {@code capacity} of its batches queued. */
    Lane<P> lane(String name, List<P> predictors, int capacity) {
        if (predictors.isEmpty()) {
            throw new IllegalArgumentException(name + ": a lane needs at least one predictor");
        }
        return new Lane<>(this, name, predictors, capacity);
    }

    private void work(ForwardThread<P> thread) {
        lock.lock();
        try {
            while (!shutdown && !retires(thread)) {
                Task<P> task = null;
                int predictor = -1;
                for (Iterator<Task<P>> it = queue.iterator(); it.hasNext(); ) {
                    Task<P> candidate = it.next();
                    predictor = candidate.lane.take(thread.index);
                    if (predictor >= 0) {
                        it.remove();
                        task = candidate;
                        break;
                    }
                }
                if (task == null) {
                    work.awaitUninterruptibly();
                    continue;
                }
                Lane<P> lane = task.lane;
                lane.queued--;
                lane.running++;
                running++;
                thread.lane = lane;
                thread.held = lane.predictors.get(predictor);
                thread.since = Math.max(1, System.nanoTime());
                lock.unlock();
                int wanted = threadNice;
                if (wanted > thread.nice) {
                    thread.nice = wanted;
                    if (ThreadNice.atLeast(wanted) >= wanted) {
                        reniced.incrementAndGet();
                    }
                }
                long slice = threadSliceNanos;
                if (slice != thread.sliceNanos) {
                    thread.sliceNanos = slice;
                    if (ThreadPolicy.setSlice(slice) && slice > 0) {
                        sliced.incrementAndGet();
                    }
                }
                try {
                    task.body.run();
                } catch (RuntimeException | Error e) {
                    log.error("{}: a batch failed outside its own error handling", lane.name, e);
                } finally {
                    lock.lock();
                    thread.lane = null;
                    thread.held = null;
                    thread.since = 0;
                    lane.busy[predictor] = false;
                    lane.free++;
                    lane.running--;
                    running--;
                    lastActive = System.nanoTime();
                    if (lane.queued + lane.running == 0) {
                        laneIdle.signalAll();
                    }
                    if (lane.queued > 0) {
                        work.signal(); // a batch of this lane may have waited for the predictor just given back
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a batch: a thread above the size while no other thread is stalled leaves (the pool
     * started a spare while this one was stalled). Under the lock.
     */
    private boolean retires(ForwardThread<P> thread) {
        if (threads.size() <= size) {
            return false;
        }
        int serving = threads.size() - 1 - stalledThreads(System.nanoTime());
        if (serving < size) {
            return false;
        }
        threads.remove(thread);
        if (!queue.isEmpty()) {
            work.signal(); // a wake-up meant for this thread passes to one that stays
        }
        return true;
    }

    /** Threads on one batch for longer than the stall limit. Under the lock. */
    private int stalledThreads(long now) {
        int count = 0;
        for (ForwardThread<P> t : threads) {
            if (t.since != 0 && now - t.since > stallNanos) {
                count++;
            }
        }
        return count;
    }

    /**
     * Every quarter of the stall limit (or of the idle time, if shorter): a spare thread for each
     * stalled one, at most {@code size} spares; and the idle task once no forward has run for the idle time.
     */
    private void watch() {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10),
                whenIdle == null ? stallNanos / 4 : Math.min(stallNanos, idleNanos) / 4);
        lock.lock();
        try {
            while (!shutdown) {
                long now = System.nanoTime();
                stalled = stalledThreads(now);
                while (threads.size() - stalled < size && threads.size() < 2 * size) {
                    startThread();
                    sparesStarted++;
                    log.warn("{}: {} forward(s) running for longer than {} ms; started a spare thread ({} threads)",
                            name, stalled, TimeUnit.NANOSECONDS.toMillis(stallNanos), threads.size());
                }
                if (whenIdle != null && running == 0 && queue.isEmpty() && now - lastActive >= idleNanos) {
                    lastActive = now;
                    idleRuns++;
                    // forwards may start meanwhile (a malloc of one waits while the trim walks its arena)
                    lock.unlock();
                    try {
                        whenIdle.run();
                    } catch (RuntimeException e) {
                        log.warn("{}: the idle task failed", name, e);
                    } finally {
                        lock.lock();
                    }
                }
                if (!shutdown) {
                    stopped.awaitNanos(period);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** The threads that serve when none is stalled: the most forwards that run at once. */
    int size() {
        return size;
    }

    /** Forward threads now, spares for stalled ones included. */
    int threads() {
        return (int) read(() -> threads.size());
    }

    /** Threads on one batch for longer than the stall limit, as the watchdog last counted. */
    int stalled() {
        return (int) read(() -> stalled);
    }

    /** Spare threads started for stalled ones since the pool started. */
    long sparesStarted() {
        return read(() -> sparesStarted);
    }

    /** Times the idle task has run since the pool started. */
    long idleRuns() {
        return read(() -> idleRuns);
    }

    /** Forwards running now, across all lanes. */
    int running() {
        return (int) read(() -> running);
    }

    /** Batches waiting for a thread, across all lanes. */
    int queued() {
        return (int) read(() -> queue.size());
    }

    /** A field read under the lock. */
    private long read(LongSupplier field) {
        lock.lock();
        try {
            return field.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the threads once their running batches finish; batches still queued never run (close lanes first). */
    @Override
    public void close() {
        lock.lock();
        try {
            shutdown = true;
            work.signalAll();
            stopped.signalAll();
        } finally {
            lock.unlock();
        }
        List<ForwardThread<P>> all;
        lock.lock();
        try {
            all = List.copyOf(threads);
        } finally {
            lock.unlock();
        }
        for (ForwardThread<P> thread : all) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
