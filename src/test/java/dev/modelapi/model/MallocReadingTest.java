package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The native heap's two gauges share one reading of the allocator's statistics per scrape. */
class MallocReadingTest {

    @Test
    void shouldReadTheAllocatorOncePerScrapeAndAgainOnceTheReadingIsOld() {
        AtomicInteger reads = new AtomicInteger();
        AtomicLong clock = new AtomicLong(5_000);
        ModelConfiguration.MallocReading reading = new ModelConfiguration.MallocReading(
                () -> new DjlRuntime.MallocBytes(reads.incrementAndGet(), 0, 7), clock::get, 1_000);

        DjlRuntime.MallocBytes first = reading.get();
        clock.addAndGet(999);
        assertThat(reading.get()).as("the second gauge of the same scrape").isSameAs(first);
        assertThat(reads).hasValue(1);

        clock.addAndGet(1);
        assertThat(reading.get().arenaInUse()).as("the next scrape reads again").isEqualTo(2);
        assertThat(reads).hasValue(2);
    }
}
