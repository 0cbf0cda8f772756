package dev.modelapi.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** This JVM's threads as the kernel records them ({@code /proc/self/task}): names and nice values. */
public final class KernelThreads {

    private static final Path TASKS = Path.of("/proc/self/task");

    private KernelThreads() {
    }

    /** Field 19 of {@code /proc/self/task/TID/stat}: the thread's nice value as the kernel schedules it. */
    public static int nice(int tid) throws IOException {
        return niceOf(TASKS.resolve(Integer.toString(tid)));
    }

    /** The nice values of this JVM's threads by their kernel name ({@code comm}, at most 15 characters). */
    public static Map<String, List<Integer>> niceByName() throws IOException {
        Map<String, List<Integer>> byName = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : tasks.toList()) {
                try {
                    byName.computeIfAbsent(Files.readString(task.resolve("comm")).strip(), k -> new ArrayList<>())
                            .add(niceOf(task));
                } catch (IOException gone) {
                    // a thread that ended while listed
                }
            }
        }
        return byName;
    }

    private static int niceOf(Path task) throws IOException {
        String stat = Files.readString(task.resolve("stat"));
        // after "pid (comm) ", field 3 onwards; comm may hold spaces and parentheses
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]);
    }
}
