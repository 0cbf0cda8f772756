package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class ResidentMemoryTest {

    @Test
    void shouldSeeMemoryTheProcessTouches() {
        long before = ResidentMemory.bytes();
        ByteBuffer touched = ByteBuffer.allocateDirect(64 << 20);
        for (int i = 0; i < touched.capacity(); i += 4096) {
            touched.put(i, (byte) 1);
        }

        long after = ResidentMemory.bytes();

        assertThat(before).isPositive();
        assertThat(after - before).isGreaterThan(32L << 20);
        assertThat(touched.get(4096)).isEqualTo((byte) 1);
    }
}
