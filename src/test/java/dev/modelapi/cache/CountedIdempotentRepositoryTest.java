package dev.modelapi.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.Test;

/** What the idempotent consumers' repositories count, and what they do while their store (Redis) fails. */
class CountedIdempotentRepositoryTest {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void shouldCountAConsumersDuplicateOnce() {
        IdempotentRepository consumer = counted(MemoryIdempotentRepository.memoryIdempotentRepository(10), "jms");
        consumer.start();

        consumer.add("a");
        assertThat(consumer.contains("a")).isTrue();
        assertThat(consumer.add("a")).isFalse(); // the duplicate's own add at completion: not counted again

        assertThat(count("modelapi.idempotency.duplicates", "jms")).isEqualTo(1.0);
        assertThat(meters.get("modelapi.idempotency.keys").tag("repository", "jms").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void shouldTakeMessagesAsNewWhileTheStoreFails() {
        IdempotentRepository consumer = counted(new Failing(), "kafka");

        assertThat(consumer.contains("k")).isFalse();
        assertThat(consumer.add("k")).isTrue();
        assertThat(consumer.remove("k")).isFalse();

        assertThat(count("modelapi.idempotency.store.failures", "kafka")).isEqualTo(3.0);
    }

    private IdempotentRepository counted(IdempotentRepository store, String name) {
        return new CountedIdempotentRepository(store, name, meters);
    }

    private double count(String meter, String repository) {
        return meters.get(meter).tag("repository", repository).counter().count();
    }

    /** A store whose every command fails, as Redis's do while it is down. */
    static final class Failing implements IdempotentRepository {
        @Override
        public boolean add(String key) {
            throw new IllegalStateException("connection refused");
        }

        @Override
        public boolean contains(String key) {
            throw new IllegalStateException("connection refused");
        }

        @Override
        public boolean remove(String key) {
            throw new IllegalStateException("connection refused");
        }

        @Override
        public boolean confirm(String key) {
            throw new IllegalStateException("connection refused");
        }

        @Override
        public void clear() {
        }

        @Override
        public void start() {
        }

        @Override
        public void stop() {
        }
    }
}
