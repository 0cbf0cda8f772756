package dev.modelapi.bounded;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BoundedMapsTest {

    @Test
    void shouldHoldTheBoundTheMomentAWriteReturns() {
        Cache<Integer, Integer> map = BoundedMaps.upkeptByCaller().maximumSize(100).build();

        for (int i = 0; i < 101; i++) {
            map.put(i, i);
        }

        // no cleanUp(): with Caffeine's default executor the eviction is a pool task, still to run here
        assertThat(map.estimatedSize()).isEqualTo(100);
    }

    @Test
    void shouldEvictOnTheWritingThreadAndWakeNoOther() {
        List<Thread> evictedOn = new CopyOnWriteArrayList<>();
        Cache<Integer, Integer> map = BoundedMaps.upkeptByCaller().maximumSize(10)
                .removalListener((key, value, cause) -> evictedOn.add(Thread.currentThread()))
                .build();

        for (int i = 0; i < 50; i++) {
            map.put(i, i);
        }

        assertThat(evictedOn).hasSize(40).containsOnly(Thread.currentThread());
    }

    @Test
    void shouldRemoveAnExpiredEntryOnTheThreadThatReadsIt() {
        AtomicLong nanos = new AtomicLong();
        List<String> removals = new CopyOnWriteArrayList<>();
        Cache<Integer, Integer> map = BoundedMaps.upkeptByCaller().expireAfterWrite(Duration.ofMinutes(1))
                .ticker(nanos::get)
                .removalListener((key, value, cause) -> removals.add(cause + " on " + Thread.currentThread().getName()))
                .build();
        map.put(1, 1);
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());

        assertThat(map.getIfPresent(1)).isNull();

        assertThat(removals).containsExactly(RemovalCause.EXPIRED + " on " + Thread.currentThread().getName());
    }
}
