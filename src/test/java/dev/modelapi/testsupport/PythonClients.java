package dev.modelapi.testsupport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real Python clients for the tests that drive the service from outside the JVM (stomp.py,
 * tritonclient): each a virtualenv under {@code ~/.cache/modelapi/}, installed from PyPI once per
 * pinned requirements file (under a file lock, so parallel builds install it once), and a way to
 * run a script in it.
 */
public final class PythonClients {

    private PythonClients() {
    }

    /** What a script printed, and how it ended. */
    public record Run(int exitCode, String output) {

        /** The last line printed: the scripts print their result there. */
        public String lastLine() {
            return output.strip().lines().reduce((first, second) -> second).orElse("");
        }
    }

    /**
     * The virtualenv named {@code name} with the packages of {@code requirements}, made if missing.
     * Needs {@code python3} with {@code venv} and PyPI.
     */
    public static Path venv(String name, Path requirements) throws IOException, InterruptedException {
        String pinned = Files.readString(requirements).strip();
        Path venv = Path.of(System.getProperty("user.home"), ".cache", "modelapi",
                name + "-" + Integer.toHexString(pinned.hashCode()));
        Path done = venv.resolve(".installed");
        if (Files.exists(done)) {
            return venv;
        }
        Files.createDirectories(venv.getParent());
        try (FileChannel lockFile = FileChannel.open(venv.resolveSibling(venv.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
            if (!Files.exists(done)) {
                for (List<String> command : List.of(List.of("python3", "-m", "venv", "--clear", venv.toString()),
                        List.of(venv.resolve("bin/python").toString(), "-m", "pip", "install", "--quiet",
                                "--disable-pip-version-check", "-r", requirements.toAbsolutePath().toString()))) {
                    Run step = run(command, 900);
                    if (step.exitCode() != 0) {
                        throw new IllegalStateException(String.join(" ", command)
                                + " failed (needs python3 with venv and PyPI):\n" + step.output());
                    }
                }
                Files.writeString(done, pinned);
            }
        }
        return venv;
    }

    /** Runs {@code script} with the virtualenv's Python; its output and error streams together. */
    public static Run script(Path venv, Path script, List<String> arguments, int timeoutSeconds)
            throws IOException, InterruptedException {
        return script(venv, script, arguments, timeoutSeconds, null);
    }

    /** As {@link #script(Path, Path, List, int)}, in {@code directory} (null: this one), where it may leave files. */
    public static Run script(Path venv, Path script, List<String> arguments, int timeoutSeconds, Path directory)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(venv.resolve("bin/python").toString());
        command.add(script.toAbsolutePath().toString());
        command.addAll(arguments);
        return run(command, timeoutSeconds, directory);
    }

    private static Run run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        return run(command, timeoutSeconds, null);
    }

    private static Run run(List<String> command, int timeoutSeconds, Path directory)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("python-client-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Run(-1, "timed out after " + timeoutSeconds + " s:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
