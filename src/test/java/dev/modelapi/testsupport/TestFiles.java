package dev.modelapi.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Copies of the committed demo models and routes, so tests can break or edit them freely. */
public final class TestFiles {

    private TestFiles() {
    }

    /** Copies the files of {@code from} (not its subdirectories) into {@code to}, created if needed. */
    public static Path copyDirectory(Path from, Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new temporary directory ({@link TemporaryDirectories}) holding a copy of {@code models/<model>/<version>} as {@code <model>/<version>}. */
    public static Path repositoryWith(String model, String version) {
        Path repository = TemporaryDirectories.make("models-");
        copyDirectory(Path.of("models", model, version), repository.resolve(model).resolve(version));
        return repository;
    }

    /**
     * Writes {@code sha256sums} for the directory's files as they are now, in {@code sha256sum}'s
     * format ({@code binary}: its {@code -b} form, {@code <hex> *<file>}).
     */
    public static void writeManifest(Path directory, boolean binary) {
        try {
            java.util.List<String> lines = new java.util.ArrayList<>();
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(f -> !f.getFileName().toString().equals("sha256sums")).sorted().toList()) {
                    try (java.io.InputStream in = Files.newInputStream(file)) {
                        lines.add(dev.modelapi.digest.Sha256.hex(in) + (binary ? " *" : "  ") + file.getFileName());
                    }
                }
            }
            Files.write(directory.resolve("sha256sums"), lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
