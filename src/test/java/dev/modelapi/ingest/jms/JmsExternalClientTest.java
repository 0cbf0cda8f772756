package dev.modelapi.ingest.jms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.LocalPorts;
import dev.modelapi.testsupport.PythonClients;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
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

    private static final int PORT = LocalPorts.free();
    private static final Path REQUIREMENTS = Path.of("src/test/resources/stomp/requirements.txt");

    @Autowired
    ObjectMapper json;

    @DynamicPropertySource
    static void acceptorPort(DynamicPropertyRegistry registry) {
        registry.add("modelapi.jms.acceptor.port", () -> PORT);
    }

    @Test
    void shouldAnswerARequestSentOverStompFromAnotherProcess() throws Exception {
        Path venv = PythonClients.venv("stomp", REQUIREMENTS);
        String requestId = "stomp-" + UUID.randomUUID();

        PythonClients.Run client = PythonClients.script(venv, Path.of("src/test/resources/stomp/ask.py"),
                List.of("127.0.0.1", Integer.toString(PORT), "modelapi.requests", "external.replies", requestId,
                        "Subject: lunch\n\nare we still on for noon tomorrow?"), 90);

        assertThat(client.exitCode()).as(client.output()).isZero();
        JsonNode answer = json.readTree(client.lastLine());
        assertThat(answer.get("requestId").asText()).isEqualTo(requestId);
        assertThat(answer.get("label").asText()).isIn("spam", "ham");
        assertThat(answer.get("models")).hasSize(3);
    }
}
