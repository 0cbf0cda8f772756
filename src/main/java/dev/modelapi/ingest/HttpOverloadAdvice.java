package dev.modelapi.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Past {@code modelapi.api.max-in-flight} requests being answered, a request never reaches a route
 * (AsyncPlatformHttpEngine). Answer that overload like the batcher's: 503, Retry-After and the JSON
 * error shape, not Spring's default 500.
 */
@RestControllerAdvice
class HttpOverloadAdvice {

    private final ObjectMapper json;
    private final Answers answers;

    HttpOverloadAdvice(ObjectMapper json, Answers answers) {
        this.json = json;
        this.answers = answers;
    }

    @ExceptionHandler(AsyncPlatformHttpEngine.TooManyInFlightException.class)
    ResponseEntity<String> overloaded(HttpServletRequest request) throws Exception {
        String requestId = HttpExchanges.requestIdFor(request.getHeader(HttpExchanges.REQUEST_ID));
        String body = json.writeValueAsString(answers.errorBodyFor(request.getRequestURI(), "capacity_exceeded",
                "too many requests in flight; try again shortly", requestId));
        return ResponseEntity.status(503)
                .header(HttpHeaders.RETRY_AFTER, "1")
                .header(HttpExchanges.REQUEST_ID, requestId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(body);
    }
}
