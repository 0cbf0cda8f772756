package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.ModelsApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * A POST to a route's path, exact or templated, reaches the route from the filter chain, without
 * Spring MVC's dispatch, answered and observed as through Spring MVC; every other request still
 * goes through Spring MVC ({@link RouteDispatchFilter}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RouteDispatchFilterTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    MeterRegistry meters;

    @Autowired
    FilterRegistrationBean<RouteDispatchFilter> registration;

    @LocalServerPort
    int port;

    @Test
    void shouldAnswerARoutesExactPathFromTheFilterAndObserveItUnderThatPath() throws Exception {
        RouteDispatchFilter filter = registration.getFilter();
        long before = filter.dispatched();
        long observedBefore = observed("/api/v1/predict");

        ResponseEntity<String> answer = ModelsApi.post(http, json, "/api/v1/predict",
                Map.of("text", "Your invoice is attached, please confirm the payment today"));

        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        assertThat(json.readTree(answer.getBody()).get("label").asText()).isNotBlank();
        assertThat(answer.getHeaders().getFirst(HttpExchanges.REQUEST_ID)).isNotBlank();
        assertThat(filter.dispatched()).as("handed to the route by the filter").isEqualTo(before + 1);
        // the server's timer is recorded once the answer is complete, just after the client has it (another
        // test's request to the path, answered through Spring MVC, may be recorded meanwhile too)
        await().untilAsserted(() ->
                assertThat(observed("/api/v1/predict")).as("http_server_requests uri tag").isGreaterThan(observedBefore));
    }

    @Test
    void shouldAnswerATemplatedPathFromTheFilterWithItsVariablesAndObserveItUnderTheTemplate() throws Exception {
        RouteDispatchFilter filter = registration.getFilter();
        long before = filter.dispatched();
        long observedBefore = observed("/v2/models/{model}/infer");
        Map<String, Object> request = Map.of("id", "7", "inputs", List.of(Map.of("name", "text", "shape", List.of(1),
                "datatype", "BYTES", "data", List.of("Your invoice is attached, please confirm the payment today"))));

        ResponseEntity<String> answer = ModelsApi.post(http, json, "/v2/models/spam-roberta/infer", request);

        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(200);
        assertThat(json.readTree(answer.getBody()).get("model_name").asText())
                .as("the route read {model} from the path").isEqualTo("spam-roberta");
        assertThat(filter.dispatched()).as("handed to the route by the filter").isEqualTo(before + 1);
        await().untilAsserted(() -> assertThat(observed("/v2/models/{model}/infer"))
                .as("http_server_requests uri tag").isGreaterThan(observedBefore));

        ResponseEntity<String> unknown = ModelsApi.post(http, json, "/v2/models/no-such-model/infer", request);

        assertThat(unknown.getStatusCode().value()).as("the route's own answer").isEqualTo(404);
        assertThat(unknown.getHeaders().getFirst(HttpExchanges.REQUEST_ID)).isNotBlank();
        assertThat(filter.dispatched()).isEqualTo(before + 2);
    }

    @Test
    void shouldLeaveOtherMethodsOfATemplatedPathToSpringMvc() {
        RouteDispatchFilter filter = registration.getFilter();
        long before = filter.dispatched();

        ResponseEntity<String> answer = http.getForEntity("/v2/models/spam-distilbert", String.class);

        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        assertThat(filter.dispatched()).isEqualTo(before);
    }

    @Test
    void shouldLeaveAPercentEncodedPathToSpringMvcWhichStillFindsTheRoute() throws Exception {
        RouteDispatchFilter filter = registration.getFilter();
        long before = filter.dispatched();

        String answer = send("POST", "/api/v1/%70redict", "{\"text\":\"lunch at noon?\"}");

        assertThat(answer).startsWith("HTTP/1.1 200");
        assertThat(filter.dispatched()).as("Spring MVC decoded and matched it, not the filter").isEqualTo(before);
    }

    @Test
    void shouldLeaveOtherMethodsToSpringMvc() throws Exception {
        RouteDispatchFilter filter = registration.getFilter();
        long before = filter.dispatched();

        String unknown = send("QUERY", "/api/v1/predict", "{\"text\":\"lunch at noon?\"}");

        assertThat(unknown).as("no mapping for a method Spring MVC does not know").startsWith("HTTP/1.1 405");
        assertThat(filter.dispatched()).isEqualTo(before);
    }

    /** One request over a socket, byte for byte as given (a client library would normalise the path or method). */
    private String send(String method, String path, String text) throws Exception {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldTakeThePathAsSentUnderTheContextPathOnly() {
        assertThat(RouteDispatchFilter.pathOf(request("", "/api/v1/predict"))).isEqualTo("/api/v1/predict");
        assertThat(RouteDispatchFilter.pathOf(request("/svc", "/svc/api/v1/predict"))).isEqualTo("/api/v1/predict");
        assertThat(RouteDispatchFilter.pathOf(request("/svc", "/api/v1/predict"))).isNull();
        assertThat(RouteDispatchFilter.pathOf(request("", "/api/v1/predict;jsessionid=1"))).isNull();
        assertThat(RouteDispatchFilter.pathOf(request("", "/api/v1/%70redict"))).isNull();
    }

    /** Answers of 200 to requests observed under {@code uri} (other tests' requests may have other statuses). */
    private long observed(String uri) {
        return meters.find("http.server.requests").tag("uri", uri).tag("status", "200").timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private static MockHttpServletRequest request(String contextPath, String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", uri);
        request.setContextPath(contextPath);
        return request;
    }
}
