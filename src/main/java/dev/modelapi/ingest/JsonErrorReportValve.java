package dev.modelapi.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat's error report, in the service's JSON shape instead of Tomcat's HTML page: what the
 * container refuses before Spring sees the request (headers or a URL over its limits, a request
 * line it cannot parse) and any error no one wrote an answer for. Installed as the host's error
 * report valve ({@link HttpServerConfiguration}); Tomcat makes it with its no-argument constructor.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Answers ANSWERS = new Answers(JSON);

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0) {
            return; // not an error, or its answer is written already
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return; // the connection is gone
        }
        String offered;
        String path;
        try {
            offered = request.getHeader(HttpExchanges.REQUEST_ID);
            path = request.getDecodedRequestURI();
            if (path == null) {
                // not decoded (Tomcat refuses an encoded backslash or slash): the raw path still says which API
                path = request.getCoyoteRequest().requestURI().toString();
            }
        } catch (RuntimeException e) {
            offered = null; // the request was not parsed far enough
            path = null;
        }
        String requestId = HttpExchanges.requestIdFor(offered);
        HttpErrors error = HttpErrors.of(status);
        try {
            String body = JSON.writeValueAsString(ANSWERS.errorBodyFor(path == null ? "" : path, error.code(),
                    error.message(), requestId));
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.setHeader(HttpExchanges.REQUEST_ID, requestId);
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone, or the response was closed meanwhile: nothing more to tell it
        }
    }
}
