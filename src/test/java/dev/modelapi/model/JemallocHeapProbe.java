package dev.modelapi.model;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Run by {@link JemallocHeapTest} in a JVM of its own, started with jemalloc preloaded as
 * {@code ./mvnw spring-boot:run} and the container image start the service: registers the native
 * heap's gauges as the service does, allocates four blocks of 64 MiB with the process's malloc (as
 * libtorch does its tensors) and prints what the gauges read before, with them and after they are freed;
 * then frees 256 written blocks of 1 MiB (an attention's score matrix: below jemalloc's oversize
 * threshold, so from the arenas that keep freed pages until they decay) and prints the resident size
 * with them, once freed and after the trim the forward pool runs when forwards stop.
 */
public final class JemallocHeapProbe {

    static final long BLOCK = 64L << 20;
    static final int BLOCKS = 4;
    static final long BYTES = BLOCK * BLOCKS;
    static final long SMALL_BLOCK = 1L << 20;
    static final int SMALL_BLOCKS = 256;

    private JemallocHeapProbe() {
    }

    public static void main(String[] args) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ModelConfiguration.registerMallocGauges(meters, 0); // every read a fresh one: the reads below are a moment apart
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

        long[] small = new long[SMALL_BLOCKS];
        for (int i = 0; i < SMALL_BLOCKS; i++) {
            small[i] = Native.malloc(SMALL_BLOCK);
            new Pointer(small[i]).setMemory(0, SMALL_BLOCK, (byte) 1);
        }
        System.out.println("rssHeld=" + ResidentMemory.bytes());
        for (long block : small) {
            Native.free(block);
        }
        System.out.println("rssFreed=" + ResidentMemory.bytes());
        NativeHeapTrim trim = new NativeHeapTrim();
        System.out.println("released=" + trim.trim());
        System.out.println("rssTrimmed=" + ResidentMemory.bytes());
        System.out.println("trims=" + trim.trims());
    }

    private static long inUse(SimpleMeterRegistry meters) {
        return (long) meters.get("modelapi.native.malloc").tag("state", "in_use").gauge().value();
    }
}
