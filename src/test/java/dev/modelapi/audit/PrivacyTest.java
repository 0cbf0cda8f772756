package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.RealServices;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * Suspicious input and personal data end to end, with the audit in the real PostgreSQL keeping
 * texts redacted: flags and PII kinds land in the audit row, the stored text has the personal
 * data replaced and is sealed with the test's key, a text the policy rejects is a 400, and no
 * personal data reaches the log.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "modelapi.audit.text-storage=redacted",
        "modelapi.audit.encryption.keys.privacy-test=nyB0COLBn47q1oShlXHf5wwvXqs2+9oEHIZXq7/wn9U=",
        "modelapi.sanitize.policies.bidi-control=flag",
        "modelapi.sanitize.policies.binary=reject"})
@RealServices
@ExtendWith(OutputCaptureExtension.class)
class PrivacyTest {

    static final String EMAIL = "jane.doe.private@example.org";
    static final String CARD = "4111 1111 1111 1111";

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Test
    void shouldAuditFlagsAndPiiKindsAndKeepTheTextRedacted(CapturedOutput output) throws Exception {
        String requestId = "privacy-" + UUID.randomUUID();
        String text = "Subject: your order\n\nMail " + EMAIL + " or pay with card " + CARD
                + " \u202Etxt.exe\u202C today";

        ResponseEntity<String> response = post(Map.of("text", text), requestId);

        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestId) == 1);
        AuditRecord row = audit.findByRequestId(requestId).get(0);
        assertThat(row.flags()).isEqualTo("bidi_control");
        assertThat(row.pii()).isEqualTo("email,payment_card");
        assertThat(row.inputText()).contains("[EMAIL]", "[PAYMENT_CARD]").doesNotContain(EMAIL, "4111");
        assertThat(audit.storedTexts(requestId)).singleElement().asString().startsWith("enc:v1:privacy-test:")
                .doesNotContain("[EMAIL]").doesNotContain("your order");
        assertThat(output.getAll()).doesNotContain(EMAIL).doesNotContain(CARD);
    }

    @Test
    void shouldRejectBinaryContentWith400() throws Exception {
        ResponseEntity<String> response = post(Map.of("text", "PK\u0003\u0004\u0000\u0000binary\u0000payload"), null);

        assertThat(response.getStatusCode().value()).isEqualTo(400);
        JsonNode error = json.readTree(response.getBody()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("rejected_input");
        assertThat(error.get("message").asText()).contains("binary");
    }

    @Test
    void shouldKeepPersonalDataOutOfErrorsAndLogs(CapturedOutput output) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        ResponseEntity<String> malformed = http.postForEntity("/api/v1/predict",
                new HttpEntity<>("{\"text\": " + EMAIL + "}", headers), String.class);

        assertThat(malformed.getStatusCode().value()).isEqualTo(400);
        assertThat(malformed.getBody()).doesNotContain(EMAIL).contains("line 1, column");
        assertThat(output.getAll()).doesNotContain(EMAIL);
    }

    private ResponseEntity<String> post(Map<String, Object> body, String requestId) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (requestId != null) {
            headers.set("X-Request-ID", requestId);
        }
        return http.postForEntity("/api/v1/predict", new HttpEntity<>(json.writeValueAsString(body), headers),
                String.class);
    }
}
