package dev.modelapi.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority and a server certificate for {@code localhost} / {@code 127.0.0.1} that
 * it signed, made by the {@code openssl} command for a test's TLS servers (PostgreSQL, Redis), as
 * PEM files: {@code ca.pem}, {@code server.pem}, {@code server.key} (readable by the owner only, as
 * PostgreSQL insists).
 */
public record TestCertificates(Path ca, Path certificate, Path key) {

    /** Makes a new authority and server certificate in {@code directory}. */
    public static TestCertificates make(Path directory) {
        try {
            Files.createDirectories(directory);
            Path caKey = directory.resolve("ca.key");
            Path ca = directory.resolve("ca.pem");
            Path key = directory.resolve("server.key");
            Path request = directory.resolve("server.csr");
            Path certificate = directory.resolve("server.pem");
            Path extensions = directory.resolve("server.ext");
            Files.writeString(extensions, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out",
                    ca.toString(), "-days", "2", "-subj", "/CN=model-api test CA");
            openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out",
                    request.toString(), "-subj", "/CN=localhost");
            openssl(directory, "x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey",
                    caKey.toString(), "-CAcreateserial", "-out", certificate.toString(), "-days", "2", "-extfile",
                    extensions.toString());
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            return new TestCertificates(ca, certificate, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(Path directory, String... arguments) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(directory.resolve("openssl.log").toFile()).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("openssl " + arguments[0] + " failed: " + Files.readString(directory.resolve("openssl.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
