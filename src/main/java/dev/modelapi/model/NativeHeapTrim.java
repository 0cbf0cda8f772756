package dev.modelapi.model;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward pool's idle task: gives the allocator's free native heap back to the kernel
 * ({@link DjlRuntime#trimNativeHeap()}: glibc's {@code malloc_trim}, jemalloc's arena purge) and
 * counts what it gave back. Between forwards glibc keeps up to 128 MiB free at each arena's top for
 * the next one ({@link DjlRuntime#TRIM_THRESHOLD}, so that a forward does not fault its tensors'
 * memory in again), and jemalloc some of the pages a forward freed until they decay, which needs
 * that arena to be used again; once forwards stop, on the cached path or in a quiet hour, that is
 * resident memory for nothing: after the start-up warm-up on the demo models about 100 MB on
 * glibc, about 20 on jemalloc (docs/performance.md).
 */
final class NativeHeapTrim implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(NativeHeapTrim.class);

    private final AtomicLong trims = new AtomicLong();
    private final AtomicLong released = new AtomicLong();

    @Override
    public void run() {
        trim();
    }

    /**
     * Trims now, counted: the forward pool's idle task, and the start-up warm-up's end.
     *
     * @return the resident bytes given back, or -1 where the allocator has no trim (neither glibc's
     *     malloc nor jemalloc)
     */
    long trim() {
        long start = System.nanoTime();
        long bytes = DjlRuntime.trimNativeHeap();
        if (bytes < 0) {
            return bytes;
        }
        trims.incrementAndGet();
        released.addAndGet(bytes);
        if (log.isDebugEnabled()) {
            log.debug("Trimmed {}'s heap: {} KiB given back in {} us", DjlRuntime.allocator(),
                    bytes >> 10, (System.nanoTime() - start) / 1000);
        }
        return bytes;
    }

    /** Trims done since start. */
    long trims() {
        return trims.get();
    }

    /** Resident bytes the trims gave back, by the process's RSS before and after each. */
    long releasedBytes() {
        return released.get();
    }
}
