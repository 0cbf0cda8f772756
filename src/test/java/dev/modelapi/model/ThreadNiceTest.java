package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.testsupport.KernelThreads;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {

    @Test
    void shouldMakeOnlyTheCallingThreadNicerAndNeverLessNice() throws Exception {
        assertThat(ThreadNice.supported()).as("Linux on x86_64 or aarch64").isTrue();
        int mine = ThreadNice.current();
        AtomicReference<int[]> seen = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();

        Thread thread = new Thread(() -> {
            try {
                int tid = ThreadNice.currentTid();
                int first = ThreadNice.atLeast(mine + 7);
                int kernel = KernelThreads.nice(tid);
                int second = ThreadNice.atLeast(mine + 3);
                seen.set(new int[] {first, kernel, second, KernelThreads.nice(tid)});
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        thread.start();
        thread.join();

        assertThat(failed.get()).isNull();
        assertThat(seen.get()).containsExactly(mine + 7, mine + 7, mine + 7, mine + 7);
        assertThat(ThreadNice.current()).isEqualTo(mine);
        assertThat(KernelThreads.nice(ThreadNice.currentTid())).isEqualTo(mine);
    }

    @Test
    void shouldRefuseANiceValueNoThreadCanTake() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ThreadNice.checked(20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("modelapi.worker-thread-nice");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ThreadNice.checked(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ThreadNice.checked(10)).isEqualTo(10);
    }
}
