package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The default run's broker serves an application outside the JVM: a Python process with the real
 * {@code stomp.py} client (PyPI, installed once into {@code ~/.cache/modelapi/}) sends a request to
 * {@code modelapi.requests} over the embedded broker's loopback acceptor and reads the answer,
 * made by the real models, from the reply queue.
 */
@SpringBootTest(properties = {"modelapi.jms.acceptor.enabled=true", "modelapi.jms.reply-queue=external.replies"})
class JmsExternalClientTest {

    private static final int PORT = freePort();
    private static final Path REQUIREMENTS = Path.of("src/test/resources/stomp/requirements.txt");

    @Autowired
    ObjectMapper json;

    @DynamicPropertySource
    static void acceptorPort(DynamicPropertyRegistry registry) {
        registry.add("modelapi.jms.acceptor.port", () -> PORT);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    @Test
    void shouldAnswerARequestSentOverStompFromAnotherProcess() throws Exception {
        Path python = stompClient().resolve("bin/python");
        String requestId = "stomp-" + UUID.randomUUID();
        Path output = Files.createTempFile("stomp-answer-", ".txt");

        Process client = new ProcessBuilder(python.toString(), "src/test/resources/stomp/ask.py", "127.0.0.1",
                Integer.toString(PORT), "modelapi.requests", "external.replies", requestId,
                "Subject: lunch\n\nare we still on for noon tomorrow?").redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();

        assertThat(client.waitFor(90, TimeUnit.SECONDS)).as("the client finished").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8).strip();
        assertThat(client.exitValue()).as(printed).isZero();
        JsonNode answer = json.readTree(printed.lines().reduce((first, second) -> second).orElse(""));
        assertThat(answer.get("requestId").asText()).isEqualTo(requestId);
        assertThat(answer.get("label").asText()).isIn("spam", "ham");
        assertThat(answer.get("models")).hasSize(3);
    }

    /** A virtualenv with stomp.py, made once (under a file lock) in ~/.cache/modelapi. */
    private static Path stompClient() throws Exception {
        String pinned = Files.readString(REQUIREMENTS).strip();
        Path venv = Path.of(System.getProperty("user.home"), ".cache", "modelapi",
                "stomp-" + Integer.toHexString(pinned.hashCode()));
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
                                "--disable-pip-version-check", "-r", REQUIREMENTS.toAbsolutePath().toString()))) {
                    Process step = new ProcessBuilder(command).redirectErrorStream(true).start();
                    String log = new String(step.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(step.waitFor()).as(String.join(" ", command) + " (needs python3 with venv and PyPI)\n" + log)
                            .isZero();
                }
                Files.writeString(done, pinned);
            }
        }
        return venv;
    }
}
