package dev.modelapi.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident set size, from Linux's /proc; what the heap alone cannot show for native models. */
public final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {
    }

    /** Resident bytes now (VmRSS), or -1 where /proc is not there. */
    public static long bytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String kilobytes = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
                    return Long.parseLong(kilobytes) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted
        }
        return -1;
    }
}
