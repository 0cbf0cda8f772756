package dev.modelapi.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TemporaryDirectoriesTest {

    @Test
    void shouldDeleteADirectoryWithEverythingUnderIt() throws IOException {
        Path directory = TemporaryDirectories.make("delete-check-");
        Files.createDirectories(directory.resolve("a/b"));
        Files.writeString(directory.resolve("a/b/file.txt"), "x");
        Files.writeString(directory.resolve("top.txt"), "y");

        assertThat(TemporaryDirectories.delete(directory)).isEmpty();
        assertThat(directory).doesNotExist();
        assertThat(TemporaryDirectories.delete(directory)).as("already gone").isEmpty();
    }

    @Test
    void shouldDeleteItsDirectoriesWhenTheJvmExitsAfterTheHooksThatStillWriteThere() throws Exception {
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Child.class.getName())
                .redirectErrorStream(true).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(child.exitValue()).as(output).isZero();
        Path directory = Path.of(output.lines().filter(line -> line.startsWith("made ")).findFirst()
                .orElseThrow(() -> new AssertionError("no directory named in: " + output)).substring("made ".length()));

        assertThat(output).contains("late write done");
        assertThat(directory).as("deleted after the late hook wrote into it").doesNotExist();
    }

    /** A JVM that makes a directory, and a Spring-named shutdown hook that writes into it late. */
    static final class Child {

        public static void main(String[] args) throws IOException {
            Path directory = TemporaryDirectories.make("exit-check-");
            Files.writeString(directory.resolve("early.txt"), "early");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    // late: only once the deletion's own hook runs (without its wait it is done by then)
                    await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                            .anyMatch(thread -> thread.getName().equals("temporary-directories")));
                    Files.createDirectories(directory.resolve("late"));
                    Files.writeString(directory.resolve("late/late.txt"), "late");
                    System.out.println("late write done");
                } catch (IOException | RuntimeException e) {
                    System.out.println("late write failed: " + e);
                }
            }, "SpringApplicationShutdownHook"));
            System.out.println("made " + directory);
        }
    }
}
