package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpBinding;
import org.apache.camel.http.common.HttpBinding;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.DefaultHeaderFilterStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * An answer held whole goes out with its length (the container then sends headers and body in one
 * write, not chunks; HostileInputTest sees it on the wire); Camel's binding streams it without one.
 */
class WholeAnswerBindingTest {

    static final String ANSWER = "{\"label\": \"spam\", \"text\": \"Grüße, 𝐅𝐑𝐄𝐄 ✉\"}";

    final DefaultCamelContext camel = new DefaultCamelContext();

    @BeforeEach
    void start() {
        camel.start();
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    @Test
    void shouldWriteATextAnswerWithItsLengthInBytes() throws Exception {
        MockHttpServletResponse response = write(new WholeAnswerBinding(), ANSWER);

        byte[] expected = ANSWER.getBytes(StandardCharsets.UTF_8);
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentType()).isEqualTo("application/json");
        assertThat(response.getHeader("X-Request-ID")).isEqualTo("r-1");
        assertThat(response.getContentLength()).isEqualTo(expected.length).isGreaterThan(ANSWER.length());
        assertThat(response.getContentAsByteArray()).isEqualTo(expected);
    }

    @Test
    void shouldWriteABytesAnswerWithItsLength() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xff, 42};
        MockHttpServletResponse response = write(new WholeAnswerBinding(), bytes);

        assertThat(response.getContentLength()).isEqualTo(5);
        assertThat(response.getContentAsByteArray()).isEqualTo(bytes);
    }

    @Test
    void shouldLeaveAStreamToCamelsBinding() throws Exception {
        byte[] bytes = ANSWER.getBytes(StandardCharsets.UTF_8);
        MockHttpServletResponse response = write(new WholeAnswerBinding(), new ByteArrayInputStream(bytes));

        assertThat(response.getContentAsByteArray()).isEqualTo(bytes);
        assertThat(response.getContentLength()).as("streamed: no length").isZero();
    }

    /** What the binding replaces: Camel's writes the same answer as a flushed stream without a length. */
    @Test
    void shouldDifferFromCamelsBindingOnlyInHowTheBytesGoOut() throws Exception {
        MockHttpServletResponse camels = write(new SpringBootPlatformHttpBinding(), ANSWER);
        MockHttpServletResponse ours = write(new WholeAnswerBinding(), ANSWER);

        assertThat(ours.getContentAsByteArray()).isEqualTo(camels.getContentAsByteArray());
        assertThat(ours.getHeaderNames()).containsAll(camels.getHeaderNames());
        assertThat(camels.getContentLength()).isZero();
        assertThat(ours.getContentLength()).isPositive();
    }

    private MockHttpServletResponse write(SpringBootPlatformHttpBinding binding, Object body) throws Exception {
        binding.setHeaderFilterStrategy(new DefaultHeaderFilterStrategy());
        DefaultExchange exchange = new DefaultExchange(camel);
        exchange.getExchangeExtension().setFromEndpoint(new PlatformHttpEndpoint(
                "platform-http:/api/v1/predict", "/api/v1/predict", new PlatformHttpComponent(camel)));
        var message = exchange.getMessage();
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("X-Request-ID", "r-1");
        message.setBody(body);
        MockHttpServletResponse response = new MockHttpServletResponse();
        ((HttpBinding) binding).writeResponse(exchange, response);
        return response;
    }
}
