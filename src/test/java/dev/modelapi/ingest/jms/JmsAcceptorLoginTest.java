package dev.modelapi.ingest.jms;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.LocalPorts;
import dev.modelapi.testsupport.PythonClients;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With a login set, the broker's acceptor takes only clients that give it (stomp.py from another
 * process: the right login is answered by the real models; a wrong or missing one is refused at
 * CONNECT), while the service's own in-VM consumer needs none.
 */
@SpringBootTest(properties = {"modelapi.jms.acceptor.enabled=true", "modelapi.jms.reply-queue=login.replies",
        "modelapi.jms.acceptor.user=partner", "modelapi.jms.acceptor.password=s3cret-" + "for-tests"})
class JmsAcceptorLoginTest {

    private static final int PORT = LocalPorts.free();

    @Autowired
    ObjectMapper json;

    @DynamicPropertySource
    static void acceptorPort(DynamicPropertyRegistry registry) {
        registry.add("modelapi.jms.acceptor.port", () -> PORT);
    }

    private PythonClients.Run ask(String requestId, String... login) throws Exception {
        List<String> arguments = new ArrayList<>(List.of("127.0.0.1", Integer.toString(PORT), "modelapi.requests",
                "login.replies", requestId, "Subject: lunch\n\nnoon tomorrow?"));
        arguments.addAll(List.of(login));
        return PythonClients.script(PythonClients.venv("stomp", Path.of("src/test/resources/stomp/requirements.txt")),
                Path.of("src/test/resources/stomp/ask.py"), arguments, 90);
    }

    @Test
    void shouldAnswerAClientThatLogsIn() throws Exception {
        String requestId = "login-" + UUID.randomUUID();

        PythonClients.Run client = ask(requestId, "partner", "s3cret-for-tests");

        assertThat(client.exitCode()).as(client.output()).isZero();
        JsonNode answer = json.readTree(client.lastLine());
        assertThat(answer.get("requestId").asText()).isEqualTo(requestId);
        assertThat(answer.get("models")).hasSize(3);
    }

    @Test
    void shouldRefuseAClientWithAWrongOrNoLogin() throws Exception {
        for (String[] login : List.of(new String[] {"partner", "guess"}, new String[] {"someone", "s3cret-for-tests"},
                new String[0])) {
            PythonClients.Run client = ask("refused-" + UUID.randomUUID(), login);

            assertThat(client.exitCode()).as(client.output()).isEqualTo(3);
            assertThat(client.lastLine()).startsWith("refused");
        }
    }
}
