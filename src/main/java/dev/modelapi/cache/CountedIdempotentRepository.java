package dev.modelapi.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Camel idempotent repository (Redis or in memory) of an idempotent consumer, counting the
 * messages it turns away: a key already known at the consumer's check ({@code contains}; its later
 * {@code add} of a duplicate's key is not counted again). In memory it also reports how many keys
 * it holds.
 *
 * <p>While the store fails (Redis down), it fails open: a message is taken as new and its key not
 * kept, so nothing is lost or dead-lettered for it, at the price of a replay in that window being
 * answered again. Failures are counted and logged at most once a minute.
 */
final class CountedIdempotentRepository implements IdempotentRepository {

    private static final Logger log = LoggerFactory.getLogger(CountedIdempotentRepository.class);
    private static final long LOG_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

    private final IdempotentRepository delegate;
    private final String name;
    private final Counter duplicates;
    private final Counter failures;
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

    CountedIdempotentRepository(IdempotentRepository delegate, String name, MeterRegistry meters) {
        this.delegate = delegate;
        this.name = name;
        this.duplicates = Counter.builder("modelapi.idempotency.duplicates")
                .description("Messages or records turned away because their key was already known")
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
        return guarded("add", () -> delegate.add(key), true); // goes on without the key
    }

    @Override
    public boolean contains(String key) {
        boolean known = guarded("contains", () -> delegate.contains(key), false); // new: answered, never lost
        if (known) {
            duplicates.increment();
        }
        return known;
    }

    @Override
    public boolean remove(String key) {
        return guarded("remove", () -> delegate.remove(key), false);
    }

    @Override
    public boolean confirm(String key) {
        return guarded("confirm", () -> delegate.confirm(key), false);
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

    /** The store's answer, or {@code whenFailed} while it fails: counted, logged at most once a minute. */
    private boolean guarded(String operation, Supplier<Boolean> call, boolean whenFailed) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            failures.increment();
            long last = lastLog.get();
            if (System.nanoTime() - last >= LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, System.nanoTime())) {
                log.warn("The {} idempotent repository failed to {} a key ({}: {}); messages are taken as new meanwhile",
                        name, operation, e.getClass().getSimpleName(), e.getMessage());
            }
            return whenFailed;
        }
    }
}
