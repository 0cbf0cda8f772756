package dev.modelapi.model;

import com.sun.jna.Native;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Run by {@link JemallocHeapTest} in a JVM of its own, started with jemalloc preloaded as
 * {@code ./mvnw spring-boot:run} and the container image start the service: registers the native
 * heap's gauges as the service does, allocates four blocks of 64 MiB with the process's malloc (as
 * libtorch does its tensors) and prints what the gauges read before, with them and after they are freed.
 */
public final class JemallocHeapProbe {

    static final long BLOCK = 64L << 20;
    static final int BLOCKS = 4;
    static final long BYTES = BLOCK * BLOCKS;

    private JemallocHeapProbe() {
    }

    public static void main(String[] args) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ModelConfiguration.registerMallocGauges(meters);
        System.out.println("allocator=" + DjlRuntime.allocator());
        System.out.println("trimSupported=" + DjlRuntime.trimSupported());
        System.out.println("gauges=" + meters.find("modelapi.native.malloc").gauges().size());
        System.out.println("before=" + inUse(meters));
        long[] blocks = new long[BLOCKS];
        for (int i = 0; i < BLOCKS; i++) {
            blocks[i] = Native.malloc(BLOCK);
        }
        System.out.println("with=" + inUse(meters));
        System.out.println("free=" + (long) meters.get("modelapi.native.malloc").tag("state", "free").gauge().value());
        for (long block : blocks) {
            Native.free(block);
        }
        System.out.println("after=" + inUse(meters));
    }

    private static long inUse(SimpleMeterRegistry meters) {
        return (long) meters.get("modelapi.native.malloc").tag("state", "in_use").gauge().value();
    }
}
