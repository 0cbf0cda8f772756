package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Input no client should send, byte for byte over a socket: each gets a 4xx (never a 5xx) in the
 * service's JSON error shape with a request id, whether a route, Spring MVC or Tomcat itself refuses
 * it, and the service goes on answering.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HostileInputTest {

    private static final String KEY = "X-API-Key: modelapi-dev-key\r\n";

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private Answer send(String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            String lengthAndClose = (body.length > 0 ? "Content-Length: " + body.length + "\r\n" : "")
                    + "Connection: close\r\n\r\n";
            out.write((head + "Host: localhost\r\n" + lengthAndClose).getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return parse(socket.getInputStream().readAllBytes());
        }
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("a complete HTTP answer: " + text).isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
    }

    private static String unchunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
    }

    /** The service's error shape (or, under /v2, the Open Inference Protocol's), with a request id. */
    private JsonNode refused(Answer answer, int... statuses) throws IOException {
        assertThat(answer.status()).as(answer.toString()).isIn((Object[]) box(statuses));
        assertThat(answer.header("Content-Type")).as(answer.toString()).startsWith("application/json");
        assertThat(answer.header("X-Request-ID")).as(answer.toString()).isNotBlank();
        JsonNode body = json.readTree(answer.body());
        assertThat(body.has("error")).as(answer.body()).isTrue();
        if (body.get("error").isObject()) {
            assertThat(body.at("/error/code").asText()).isNotBlank();
            assertThat(body.at("/error/requestId").asText()).isEqualTo(answer.header("X-Request-ID"));
        }
        return body;
    }

    private static Integer[] box(int[] values) {
        Integer[] boxed = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    private static byte[] notUtf8(String prefix, String suffix) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(prefix.getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28, (byte) 0xa0});
        bytes.writeBytes(suffix.getBytes(StandardCharsets.UTF_8));
        return bytes.toByteArray();
    }

    /** The control: a well-formed request's answer comes whole, with its length, not chunked. */
    @Test
    void shouldAnswerAWellFormedRequestWholeWithItsLength() throws Exception {
        Answer answer = send("POST /api/v1/predict HTTP/1.1\r\nContent-Type: application/json\r\n" + KEY,
                "{\"text\": \"Grüße: your parcel is waiting, confirm the delivery fee\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.header("Transfer-Encoding")).as(answer.toString()).isNull();
        assertThat(answer.header("Content-Length")).as(answer.toString())
                .isEqualTo(String.valueOf(answer.body().getBytes(StandardCharsets.UTF_8).length));
        assertThat(json.readTree(answer.body()).at("/label").asText()).isNotBlank();
    }

    @Test
    void shouldRefuseABodyThatIsNotUtf8() throws Exception {
        Answer one = send("POST /api/v1/predict HTTP/1.1\r\nContent-Type: application/json\r\n" + KEY,
                notUtf8("{\"text\": \"hello ", "\"}"));
        Answer batch = send("POST /api/v1/predict/batch HTTP/1.1\r\nContent-Type: application/json\r\n" + KEY,
                notUtf8("{\"texts\": [\"hello ", "\"]}"));

        assertThat(refused(one, 400).at("/error/code").asText()).isEqualTo("invalid_encoding");
        assertThat(refused(batch, 400).at("/error/code").asText()).isEqualTo("invalid_encoding");
        assertThat(send("POST /api/v1/predict HTTP/1.1\r\nContent-Type: application/json\r\n" + KEY,
                "{\"text\": \"still answering\"}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerAnUnknownPathOrMethodInTheServicesShape() throws Exception {
        JsonNode unknown = refused(send("GET /api/v1/no-such-thing HTTP/1.1\r\n" + KEY, new byte[0]), 404);
        assertThat(unknown.at("/error/code").asText()).isEqualTo("not_found");

        Answer patch = send("PATCH /api/v1/predict HTTP/1.1\r\nContent-Type: application/json\r\n" + KEY,
                "{\"text\": \"hi\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(refused(patch, 405).at("/error/code").asText()).isEqualTo("method_not_allowed");
        assertThat(patch.header("Allow")).contains("POST");

        Answer unknownV2 = send("GET /v2/no-such-thing HTTP/1.1\r\n" + KEY, new byte[0]);
        assertThat(refused(unknownV2, 404).get("error").isTextual()).as("the Open Inference Protocol's shape").isTrue();
    }

    @Test
    void shouldTreatAMalformedOrUnknownContentTypeAsTheClientsError() throws Exception {
        Answer metadata = send("GET /v2/models/spam-distilbert HTTP/1.1\r\nContent-Type: multipart/form-data\r\n"
                + KEY, new byte[0]);
        assertThat(metadata.status()).as("a GET has no body to read: its Content-Type is moot").isEqualTo(200);
        assertThat(json.readTree(metadata.body()).get("name").asText()).isEqualTo("spam-distilbert");
        byte[] text = "{\"text\": \"hi\"}".getBytes(StandardCharsets.UTF_8);
        for (String contentType : new String[] {"multipart/form-data", ";;;", "application/json; charset=no-such-charset",
                "text/plain", "application/x-www-form-urlencoded", "/"}) {
            JsonNode body = refused(send("POST /api/v1/predict HTTP/1.1\r\nContent-Type: " + contentType + "\r\n" + KEY,
                    text), 400, 415);
            assertThat(body.at("/error/code").asText()).as(contentType).isIn("unsupported_media_type", "invalid_request",
                    "invalid_encoding");
        }
    }

    @Test
    void shouldAnswerOversizedHeadersAndUrlsAsJson() throws Exception {
        String big = "x".repeat(20_000);
        refused(send("GET /api/v1/models HTTP/1.1\r\nX-Padding: " + big + "\r\n" + KEY, new byte[0]), 400, 431);
        refused(send("GET /api/v1/models?padding=" + big + " HTTP/1.1\r\n" + KEY, new byte[0]), 400, 414);
        assertThat(send("GET /api/v1/models HTTP/1.1\r\n" + KEY, new byte[0]).status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerAPathTomcatCannotDecodeInTheShapeOfItsApi() throws Exception {
        // Tomcat refuses an encoded backslash before decoding the path; the raw path still names the API
        JsonNode v2 = refused(send("GET /v2/models/%5Cx/ready HTTP/1.1\r\n" + KEY, new byte[0]), 400);
        JsonNode api = refused(send("GET /api/v1/models/%5Cx HTTP/1.1\r\n" + KEY, new byte[0]), 400);

        assertThat(v2.get("error").isTextual()).as(v2.toString()).isTrue();
        assertThat(api.get("error").isObject()).as(api.toString()).isTrue();
    }
}
