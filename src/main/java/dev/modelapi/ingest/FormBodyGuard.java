package dev.modelapi.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers a form-encoded body sent to the API (what {@code curl --data} sends) with the JSON 415
 * the routes give any other wrong content type. Camel's HTTP binding parses such a body as a form
 * before any route step runs and fails with a 500 on JSON, so the check has to come first.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE - 1) // before RouteDispatchFilter, the last
class FormBodyGuard extends OncePerRequestFilter {

    private static final String FORM = "application/x-www-form-urlencoded";

    private final ObjectMapper json;
    private final Answers answers;

    FormBodyGuard(ObjectMapper json, Answers answers) {
        this.json = json;
        this.answers = answers;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String contentType = request.getContentType();
        String path = request.getRequestURI();
        return !(path.startsWith("/api/") || path.startsWith(InferenceProtocol.PATH + "/"))
                || contentType == null || !contentType.toLowerCase(Locale.ROOT).contains(FORM);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String requestId = HttpExchanges.requestIdFor(request.getHeader(HttpExchanges.REQUEST_ID));
        ObjectNode body = answers.errorBodyFor(request.getRequestURI(), "unsupported_media_type",
                "send the body as Content-Type: application/json, not " + request.getContentType(), requestId);
        response.setStatus(415);
        response.setContentType("application/json");
        response.setHeader(HttpExchanges.REQUEST_ID, requestId);
        response.getWriter().write(json.writeValueAsString(body));
    }
}
