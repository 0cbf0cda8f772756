package dev.modelapi.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Camel idempotent repository (Redis or in memory) that counts what it turns away: for an
 * idempotent consumer, a message whose key is already known ({@code contains}, its check; its
 * later {@code add} of a duplicate's key is not counted again); for a read lock, a file another
 * instance holds ({@code add} refused). In memory it also reports how many keys it holds.
 *
 * <p>While the store fails (Redis down), a consumer's repository fails open: a message is taken
 * as new and its key not kept, so nothing is lost or dead-lettered for it, at the price of a
 * replay in that window being answered again. A read lock fails closed: the file waits in the
 * inbox until the lock can be taken, so two instances never work on one file. Failures are
 * counted and logged at most once a minute.
 */
final class CountedIdempotentRepository implements IdempotentRepository {

    private static final Logger log = LoggerFactory.getLogger(CountedIdempotentRepository.class);
    private static final long LOG_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

    private final IdempotentRepository delegate;
    private final String name;
    private final boolean readLock;
    private final Counter duplicates;
    private final Counter failures;
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    CountedIdempotentRepository(IdempotentRepository delegate, String name, boolean readLock, MeterRegistry meters) {
        this.delegate = delegate;
        this.name = name;
        this.readLock = readLock;
        this.duplicates = Counter.builder("modelapi.idempotency.duplicates")
                .description("Messages, records or files turned away because their key was already known")
                .tag("repository", name).register(meters);
        this.failures = Counter.builder("modelapi.idempotency.store.failures")
                .description("Reads or writes of remembered keys or answers that failed (Redis down)")
                .tag("repository", name).register(meters);
        if (delegate instanceof MemoryIdempotentRepository memory) {
            Gauge.builder("modelapi.idempotency.keys", memory, MemoryIdempotentRepository::getCacheSize)
                    .description("Keys held in memory (at most modelapi.idempotency.max-entries)")
                    .tag("repository", name).register(meters);
        }
    }

    @Override
    public boolean add(String key) {
        boolean added;
        try {
            added = delegate.add(key);
        } catch (RuntimeException e) {
            failed("add", e);
            return !readLock; // a consumer goes on without the key; a file waits for its lock
        }
        if (!added && readLock) {
            duplicates.increment();
        }
        return added;
    }

    @Override
    public boolean contains(String key) {
        boolean known;
        try {
            known = delegate.contains(key);
        } catch (RuntimeException e) {
            failed("contains", e);
            return false; // taken as new: answered, perhaps a second time, never lost
        }
        if (known && !readLock) {
            duplicates.increment();
        }
        return known;
    }

    @Override
    public boolean remove(String key) {
        try {
            return delegate.remove(key);
        } catch (RuntimeException e) {
            failed("remove", e); // a read lock left behind expires with the key's TTL
            return false;
        }
    }

    @Override
    public boolean confirm(String key) {
        try {
            return delegate.confirm(key);
        } catch (RuntimeException e) {
            failed("confirm", e);
            return false;
        }
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

    private void failed(String operation, RuntimeException e) {
        failures.increment();
        long last = lastLog.get();
        if (System.nanoTime() - last >= LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, System.nanoTime())) {
            log.warn("The {} idempotent repository failed to {} a key ({}: {}); {}", name, operation,
                    e.getClass().getSimpleName(), e.getMessage(),
                    readLock ? "files wait for their lock" : "messages are taken as new meanwhile");
        }
    }
}
