package dev.modelapi.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartException;

/**
 * Answers what reaches the servlet container's error page, in place of Spring Boot's: an unknown
 * path (404), a method Spring MVC does not map (405, with {@code Allow}), a body the container
 * refused, an exception outside the routes. The service's JSON error shape with a request id, or
 * the Open Inference Protocol's under {@code /v2}; an unexpected exception is logged with the
 * request id and never shown.
 */
@RestController
class HttpErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(HttpErrorController.class);

    private final Answers answers;
    private final ObjectMapper json;

    HttpErrorController(Answers answers, ObjectMapper json) {
        this.answers = answers;
        this.json = json;
    }

    @RequestMapping("${server.error.path:${error.path:/error}}")
    ResponseEntity<String> error(HttpServletRequest request) throws Exception {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value ? value : 404; // /error asked for directly
        Throwable thrown = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (thrown instanceof MultipartException) {
            status = 400; // a multipart Content-Type without a usable body or boundary
        }
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path = uri instanceof String value ? value : request.getRequestURI();
        String requestId = HttpExchanges.requestIdFor(request.getHeader(HttpExchanges.REQUEST_ID));
        HttpErrors error = HttpErrors.of(status);
        if (status >= 500) {
            log.error("Request {} to {} failed with {} before any route ran", requestId, path, status, thrown);
        }
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(status)
                .header(HttpExchanges.REQUEST_ID, requestId)
                .contentType(MediaType.APPLICATION_JSON);
        if (thrown instanceof HttpRequestMethodNotSupportedException e && e.getSupportedMethods() != null) {
            answer.header(HttpHeaders.ALLOW, String.join(", ", e.getSupportedMethods()));
        }
        if (status == 503) {
            answer.header(HttpHeaders.RETRY_AFTER, "1");
        }
        return answer.body(json.writeValueAsString(answers.errorBodyFor(path, error.code(), error.message(), requestId)));
    }
}
