package dev.modelapi.model;

import java.util.concurrent.Semaphore;

/**
 * How many forwards run at once across all models. Each model has workers of its own, so an
 * ensemble of three with two workers each could run six forwards on two cores; past one forward a
 * core they only take turns and evict each other's caches, so a worker waits here for a slot
 * (modelapi.models.max-concurrent-forwards, by default the number of cores).
 */
final class ForwardSlots {

    private final Semaphore slots;
    private final int size;

    public ForwardSlots(int size) {
        this.size = size;
        this.slots = new Semaphore(size, true);
    }

    /** A held slot; closing it gives it back. */
    public interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits for a slot; the worker thread waits, never a caller's. */
    Slot take() {
        slots.acquireUninterruptibly();
        return slots::release;
    }

    public int size() {
        return size;
    }

    /** Forwards running now. */
    public int running() {
        return size - slots.availablePermits();
    }
}
