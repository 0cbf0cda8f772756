package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpBinding;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.StreamCache;
import org.apache.camel.support.TypeConverterSupport;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.DefaultHeaderFilterStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The message a request starts its route with, its body read already: the same headers as Camel's
 * own {@link PlatformHttpMessage#init} gives it, without a type converter search per request.
 */
class AsyncPlatformHttpMessageTest {

    static final String BODY = "{\"text\": \"Subject: lunch?\"}";

    final DefaultCamelContext camel = new DefaultCamelContext();
    final SpringBootPlatformHttpBinding binding = new SpringBootPlatformHttpBinding();

    @BeforeEach
    void start() {
        camel.start();
        binding.setHeaderFilterStrategy(new DefaultHeaderFilterStrategy());
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    @Test
    void shouldCarryTheSameHeadersAsCamelsOwnInit() {
        MockHttpServletRequest request = request();
        MockHttpServletResponse response = new MockHttpServletResponse();
        Message ours = AsyncPlatformHttpEngine.messageOf(exchange(), binding, request, response, BODY);
        Exchange theirs = exchange();
        PlatformHttpMessage message = new PlatformHttpMessage(request, response, theirs, binding, false);
        message.setBody(BODY);
        message.init(theirs, binding, request, response);

        assertThat(ours.getBody()).isEqualTo(BODY);
        assertThat(ours.getHeader(Exchange.HTTP_SERVLET_REQUEST)).isInstanceOf(MockHttpServletRequest.class);
        assertThat(ours.getHeader(Exchange.HTTP_SERVLET_RESPONSE)).isInstanceOf(MockHttpServletResponse.class);
        assertThat(ours.getHeader("X-Request-ID")).isEqualTo("r-1");
        assertThat(ours.getHeader("ensemble")).isEqualTo("spam-default");
        assertThat(ours.getHeader(Exchange.HTTP_METHOD)).isEqualTo("POST");
        assertThat(ours.getHeaders().keySet()).containsExactlyInAnyOrderElementsOf(theirs.getIn().getHeaders().keySet());
        for (String name : theirs.getIn().getHeaders().keySet()) {
            assertThat(ours.getHeader(name)).as(name).isEqualTo(theirs.getIn().getHeader(name));
        }
    }

    /**
     * Camel's init asks the type converters for a StreamCache of the body; none makes one of a
     * String, and each such miss searches every converter again (a counting converter stands in).
     */
    @Test
    void shouldNotAskTheTypeConvertersForAStreamCacheOfTheBody() {
        AtomicInteger asked = new AtomicInteger();
        camel.getTypeConverterRegistry().addTypeConverter(StreamCache.class, String.class, new TypeConverterSupport() {
            @Override
            public <T> T convertTo(Class<T> type, Exchange exchange, Object value) {
                asked.incrementAndGet();
                return null;
            }
        });

        for (int i = 0; i < 10; i++) {
            AsyncPlatformHttpEngine.messageOf(exchange(), binding, request(), new MockHttpServletResponse(), BODY);
        }

        assertThat(asked).hasValue(0);
    }

    /** An exchange as a platform-http consumer makes it: the binding reads the endpoint's path. */
    private Exchange exchange() {
        DefaultExchange exchange = new DefaultExchange(camel);
        exchange.getExchangeExtension().setFromEndpoint(new PlatformHttpEndpoint(
                "platform-http:/api/v1/predict", "/api/v1/predict", new PlatformHttpComponent(camel)));
        return exchange;
    }

    private static MockHttpServletRequest request() {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/predict");
        request.setContentType("application/json");
        request.setCharacterEncoding("UTF-8");
        request.setContent(BODY.getBytes(StandardCharsets.UTF_8));
        request.addHeader("X-Request-ID", "r-1");
        request.setQueryString("ensemble=spam-default");
        request.addParameter("ensemble", "spam-default");
        return request;
    }
}
