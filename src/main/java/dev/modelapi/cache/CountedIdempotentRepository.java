package dev.modelapi.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.apache.camel.spi.IdempotentRepository;

/**
 * A Camel idempotent repository (Redis or in memory) that counts what it turns away: for an
 * idempotent consumer, a message whose key is already known ({@code contains}, its check; its
 * later {@code add} of a duplicate's key is not counted again); for a read lock, a file another
 * instance holds ({@code add} refused). In memory it also reports how many keys it holds.
 */
final class CountedIdempotentRepository implements IdempotentRepository {

    private final IdempotentRepository delegate;
    private final Counter duplicates;
    private final boolean readLock;

    CountedIdempotentRepository(IdempotentRepository delegate, String name, boolean readLock, MeterRegistry meters) {
        this.delegate = delegate;
        this.readLock = readLock;
        this.duplicates = Counter.builder("modelapi.idempotency.duplicates")
                .description("Messages, records or files turned away because their key was already known")
                .tag("repository", name).register(meters);
        if (delegate instanceof MemoryIdempotentRepository memory) {
            Gauge.builder("modelapi.idempotency.keys", memory, MemoryIdempotentRepository::getCacheSize)
                    .description("Keys held in memory (at most modelapi.idempotency.max-entries)")
                    .tag("repository", name).register(meters);
        }
    }

    @Override
    public boolean add(String key) {
        boolean added = delegate.add(key);
        if (!added && readLock) {
            duplicates.increment();
        }
        return added;
    }

    @Override
    public boolean contains(String key) {
        boolean known = delegate.contains(key);
        if (known && !readLock) {
            duplicates.increment();
        }
        return known;
    }

    @Override
    public boolean remove(String key) {
        return delegate.remove(key);
    }

    @Override
    public boolean confirm(String key) {
        return delegate.confirm(key);
    }

    @Override
    public void clear() {
        delegate.clear();
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public void stop() {
        delegate.stop();
    }

    /** The repository it counts for, for tests and operators' inspection. */
    IdempotentRepository delegate() {
        return delegate;
    }
}
