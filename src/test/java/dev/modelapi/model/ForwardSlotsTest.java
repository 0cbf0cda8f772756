package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ForwardSlotsTest {

    @Test
    void shouldRunNoMoreForwardsAtOnceThanItHasSlots() throws Exception {
        ForwardSlots slots = new ForwardSlots(2);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch allWaiting = new CountDownLatch(6);
        ExecutorService workers = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                done.add(workers.submit(() -> {
                    allWaiting.countDown();
                    for (int round = 0; round < 20; round++) {
                        try (ForwardSlots.Slot slot = slots.take()) {
                            most.accumulateAndGet(running.incrementAndGet(), Math::max);
                            Thread.onSpinWait();
                            running.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
        }

        assertThat(most.get()).isBetween(1, 2);
        assertThat(slots.running()).isZero();
    }
}
