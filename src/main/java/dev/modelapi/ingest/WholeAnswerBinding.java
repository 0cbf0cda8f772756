package dev.modelapi.ingest;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.Charset;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpBinding;
import org.apache.camel.http.common.HttpConstants;
import org.apache.camel.support.ExchangeHelper;

/**
 * platform-http's binding, writing an answer held whole (a {@code String} or {@code byte[]}, as every
 * answer of the service is) with its length. Camel's binding streams such a body through an input
 * stream as chunks, flushing after the copy: every answer cost two socket writes (the headers and
 * the body's chunk at the flush, the last chunk at the close). With the length known the container
 * sends headers and body in one write at the flush, and the close adds none. Any other body (a stream, a file),
 * Java serialization and gzip go Camel's way.
 */
class WholeAnswerBinding extends SpringBootPlatformHttpBinding {

    @Override
    protected void doWriteDirectResponse(Message message, HttpServletResponse response, Exchange exchange)
            throws IOException {
        Object body = message.getBody();
        byte[] bytes = null;
        if (body instanceof String text) {
            bytes = text.getBytes(Charset.forName(ExchangeHelper.getCharsetName(exchange, true)));
        } else if (body instanceof byte[] raw) {
            bytes = raw;
        }
        if (bytes == null || message.getHeader(Exchange.HTTP_CHUNKED) != null
                || HttpConstants.CONTENT_TYPE_JAVA_SERIALIZED_OBJECT.equals(message.getHeader(Exchange.CONTENT_TYPE))) {
            super.doWriteDirectResponse(message, response, exchange);
            return;
        }
        response.setContentLength(bytes.length);
        // flushed, so that headers and body leave in one write here and a client gone fails this
        // write with an IOException (the engine counts the answer abandoned; at the close the
        // container would swallow it), then closed as Camel's binding closes it: the container
        // finishes the response here, on the answering thread, not on one of its own later
        try (ServletOutputStream out = response.getOutputStream()) {
            out.write(bytes);
            out.flush();
        }
    }
}
