package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelapi.errors.InvalidRequestException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** A request body read once, bounded and strictly decoded, before its route runs. */
class RequestBodiesTest {

    private static MockHttpServletRequest post(String contentType, byte[] body) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/predict");
        request.setContentType(contentType);
        request.setContent(body);
        return request;
    }

    private static int statusOf(Runnable read) {
        try {
            read.run();
        } catch (InvalidRequestException e) {
            return e.status();
        }
        return 200;
    }

    @Test
    void shouldDecodeUtf8WhenTheContentTypeNamesNoCharset() {
        byte[] body = "{\"text\": \"Grüße, 東京\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(RequestBodies.read(post("application/json", body), 1000)).isEqualTo("{\"text\": \"Grüße, 東京\"}");
    }

    @Test
    void shouldDecodeInTheCharsetTheContentTypeNames() {
        byte[] body = "{\"text\": \"Grüße\"}".getBytes(StandardCharsets.ISO_8859_1);

        assertThat(RequestBodies.read(post("application/json; charset=\"ISO-8859-1\"", body), 1000))
                .isEqualTo("{\"text\": \"Grüße\"}");
    }

    @Test
    void shouldReadAsciiBytesAsThemselvesOnlyInTheCharsetsWhereTheyAre() {
        byte[] body = "{\"text\": \"plain ascii\"}".getBytes(StandardCharsets.US_ASCII);

        for (String charset : new String[] {"", "; charset=UTF-8", "; charset=us-ascii", "; charset=ISO-8859-1"}) {
            assertThat(RequestBodies.read(post("application/json" + charset, body), 1000)).as(charset)
                    .isEqualTo("{\"text\": \"plain ascii\"}");
        }
        // in UTF-16 the same bytes are other characters, two bytes each
        assertThat(RequestBodies.read(post("application/json; charset=UTF-16BE", new byte[] {0x00, 'a', 'b', 'c'}), 1000))
                .isEqualTo("a\u6263");
    }

    @Test
    void shouldRefuseBytesThatAreNotInTheCharset() {
        byte[] body = {'{', '"', 't', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'};

        assertThatThrownBy(() -> RequestBodies.read(post("application/json", body), 1000))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_encoding");
                });
    }

    @Test
    void shouldRefuseAnUnknownCharsetAsAnUnsupportedType() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

        assertThat(statusOf(() -> RequestBodies.read(post("application/json; charset=no-such-charset", body), 10)))
                .isEqualTo(415);
        assertThat(statusOf(() -> RequestBodies.read(post("application/json; charset=", body), 10))).isEqualTo(415);
    }

    @Test
    void shouldRefuseABodyOverTheLimitWhetherDeclaredOrNot() {
        byte[] body = "x".repeat(11).getBytes(StandardCharsets.UTF_8);
        MockHttpServletRequest chunked = post("application/json", body);
        chunked.addHeader("Transfer-Encoding", "chunked");
        HttpServletRequest undeclared = new HttpServletRequestWrapper(chunked) {
            @Override
            public long getContentLengthLong() {
                return -1;
            }
        };

        assertThat(statusOf(() -> RequestBodies.read(post("application/json", body), 10))).isEqualTo(413);
        assertThat(statusOf(() -> RequestBodies.read(undeclared, 10))).isEqualTo(413);
        assertThat(RequestBodies.read(post("application/json", body), 11)).hasSize(11);
    }

    @Test
    void shouldRefuseABodyShorterThanItsContentLength() {
        byte[] body = "{\"text\": \"hi\"}".getBytes(StandardCharsets.UTF_8);
        HttpServletRequest cut = new HttpServletRequestWrapper(post("application/json", body)) {
            @Override
            public long getContentLengthLong() {
                return body.length + 5L; // the client closed before sending it all
            }
        };

        assertThatThrownBy(() -> RequestBodies.read(cut, 1000))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_request");
                });
        assertThat(RequestBodies.read(post("application/json", body), 1000)).isEqualTo("{\"text\": \"hi\"}");
    }

    @Test
    void shouldGiveNoBodyForARequestWithoutOne() {
        assertThat(RequestBodies.read(new MockHttpServletRequest("GET", "/api/v1/models"), 10)).isNull();
    }
}
