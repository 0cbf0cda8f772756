package dev.modelapi.ingest;

import dev.modelapi.observability.RequestLogContext;
import dev.modelapi.errors.InvalidRequestException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpBinding;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpConstants;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpConsumer;
import org.apache.camel.http.common.HttpBinding;
import org.apache.camel.http.common.HttpHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * platform-http without a thread per request. Camel's Spring Boot engine runs each route on a task
 * executor thread that waits until the answer is written; this engine starts the route on the
 * servlet container's thread and lets Camel's asynchronous routing engine carry it: the container's
 * thread is free as soon as the route reaches its first asynchronous step (the batcher's await), and
 * the response is written by whichever thread finishes the route, with the request held open in
 * servlet async mode meanwhile. Requests in flight are bounded by {@code modelapi.api.max-in-flight};
 * one more is refused at once with 503. The body is read before the route starts, bounded by
 * {@code modelapi.api.max-body-size} and strictly decoded ({@link RequestBodies}): the route gets
 * text, and a body over the limit or not in its charset is answered 413 or 400 right there. Under
 * {@code /v2}, a body in the binary tensor data extension's form is split there: the JSON header is
 * the text, the bytes after it go to the route as {@link InferenceProtocol#BINARY_PROPERTY}.
 */
public class AsyncPlatformHttpEngine implements PlatformHttpEngine {

    private final int port;
    private final Semaphore inFlight;
    private final int maxInFlight;
    private final Counter refused;
    private final Counter abandoned;
    private final long asyncTimeoutMillis;
    private final long maxBodyBytes;

    private final Answers answers;
    /** Started consumers by their path ({@link #consumerFor}). */
    private final RoutePaths<Consumer> paths = new RoutePaths<>();

    /**
     * @param asyncTimeout how long the container holds a request the route has not answered
     *     ({@code spring.mvc.async.request-timeout}); longer than any route takes
     * @param maxBodyBytes the largest request body read ({@code modelapi.api.max-body-size}); larger is a 413
     * @param answers the error shape of the timeout answer and of a body refused before the route
     */
    public AsyncPlatformHttpEngine(int port, int maxInFlight, Duration asyncTimeout, long maxBodyBytes, Answers answers,
            MeterRegistry meters) {
        this.port = port;
        this.maxBodyBytes = maxBodyBytes;
        this.answers = answers;
        this.asyncTimeoutMillis = asyncTimeout.toMillis();
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        Gauge.builder("modelapi.http.inflight", inFlight, s -> maxInFlight - s.availablePermits())
                .description("HTTP requests being answered; bounded by modelapi.api.max-in-flight (" + maxInFlight + ")")
                .register(meters);
        this.refused = Counter.builder("modelapi.http.refused")
                .description("HTTP requests refused with 503 because modelapi.api.max-in-flight were in flight")
                .register(meters);
        this.abandoned = Counter.builder("modelapi.http.abandoned")
                .description("Answers not written: the client had closed its connection, or the request outlived "
                        + "spring.mvc.async.request-timeout and was answered 503")
                .register(meters);
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new Consumer(endpoint, processor);
    }

    @Override
    public int getServerPort() {
        return port;
    }

    /**
     * The started consumer whose platform-http path a request's {@code path} goes to, with the
     * pattern it matched, or null where Spring MVC should decide ({@link RoutePaths}): what
     * {@link RouteDispatchFilter} hands a request to without Spring MVC's handler lookup. Spring
     * MVC maps the same paths to the same consumers.
     */
    RoutePaths.Match<Consumer> consumerFor(String path) {
        return paths.find(path);
    }

    final class Consumer extends SpringBootPlatformHttpConsumer {

        private static final Logger log = LoggerFactory.getLogger(Consumer.class);

        private final HttpBinding binding;

        Consumer(PlatformHttpEndpoint endpoint, Processor processor) {
            super(endpoint, processor, Runnable::run);
            // the same settings as the consumer's own (private) binding; answers written whole
            this.binding = new WholeAnswerBinding();
            binding.setHeaderFilterStrategy(endpoint.getHeaderFilterStrategy());
            binding.setMuteException(endpoint.isMuteException());
            binding.setFileNameExtWhitelist(endpoint.getFileNameExtWhitelist());
            binding.setUseReaderForPayload(!endpoint.isUseStreaming());
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            paths.add(getEndpoint().getPath(), getEndpoint().isMatchOnUriPrefix(), this); // a reloaded route's new consumer replaces the old
        }

        @Override
        protected void doStop() throws Exception {
            paths.remove(getEndpoint().getPath(), getEndpoint().isMatchOnUriPrefix(), this); // not the consumer that replaced it
            super.doStop();
        }

        /**
         * Called on the container's thread by Spring MVC, or for a POST to a route's path by
         * {@link RouteDispatchFilter}. The route runs on Camel's asynchronous routing engine; when it
         * finishes before its first asynchronous step returns (an error, a cache hit), the answer is
         * written right here, as any servlet would. Otherwise the request
         * goes into servlet async mode before this method returns, and the thread that finishes
         * the route writes the answer and completes it. Returning null tells Spring MVC that the
         * request is handled, so it neither wraps the request in its own async handling nor
         * dispatches it a second time through the filters and DispatcherServlet.
         */
        @Override
        @ResponseBody
        public CompletableFuture<Void> service(HttpServletRequest request, HttpServletResponse response) {
            if (isSuspended()) {
                unavailable(response);
                return null;
            }
            if (!inFlight.tryAcquire()) {
                refused.increment();
                overloaded(request, response);
                return null;
            }
            RequestBodies.Body body;
            try {
                body = RequestBodies.read(request, maxBodyBytes, InferenceProtocol.isProtocolPath(request));
            } catch (InvalidRequestException e) {
                inFlight.release();
                refuse(request, response, e);
                return null;
            }
            Exchange exchange;
            try {
                exchange = createExchange(true);
                exchange.setPattern(ExchangePattern.InOut);
                HttpHelper.setCharsetFromContentType(request.getContentType(), exchange);
                if (body != null) {
                    messageOf(exchange, binding, request, response, body.text());
                    if (body.binary() != null) {
                        exchange.setProperty(InferenceProtocol.BINARY_PROPERTY, body.binary());
                    }
                } else {
                    PlatformHttpMessage message = new PlatformHttpMessage(request, response, exchange, binding, false);
                    exchange.setIn(message);
                    message.init(exchange, binding, request, response);
                }
                exchange.getIn().setHeader(SpringBootPlatformHttpConstants.CONTEXT_PATH, getEndpoint().getPath());
                createUoW(exchange);
            } catch (Exception e) {
                inFlight.release();
                throw new IllegalStateException("could not start the exchange: " + e.getMessage(), e);
            }
            Answer answer = new Answer(exchange, request, response);
            try {
                boolean sync = getAsyncProcessor().process(exchange, doneSync -> answer.routeDone());
                if (!sync) {
                    answer.handedBack();
                }
            } finally {
                RequestLogContext.clear(); // the route's steps put the request's ids there (RequestLogUnitOfWork)
            }
            return null;
        }

        /**
         * Who writes the answer: the container's thread if the route finished before
         * {@code process} returned, else the thread that finishes the route, in servlet async mode.
         * If the container ends the request first (its timeout, or an error such as the client
         * closing the connection), the route's late answer is dropped; the exchange still ends.
         * In async mode the answer is written and the request completed under this object's
         * monitor, which the container's {@link #onError} and {@link #onTimeout} take too: the
         * container never handles an error (its error page, its recycling of the request) while
         * the route's thread is still writing, and the route's thread never writes to a request
         * the container has ended.
         */
        private final class Answer implements AsyncListener {
            private final Exchange exchange;
            private final HttpServletRequest request;
            private final HttpServletResponse response;
            /** For logs after the container may have recycled the request, when it can no longer say. */
            private final String uri;
            /** The route finished; in async mode, also: its answer was written and the request completed. */
            private boolean routeDone;
            /** The container ended the request (its timeout, or the client went away) before the route finished. */
            private boolean gone;
            private AsyncContext async;

            Answer(Exchange exchange, HttpServletRequest request, HttpServletResponse response) {
                this.exchange = exchange;
                this.request = request;
                this.response = response;
                this.uri = request.getRequestURI();
            }

            /** The route's callback, on whichever thread finished it. */
            void routeDone() {
                synchronized (this) {
                    routeDone = true;
                    if (async == null) {
                        return; // the container's thread is still in service() and writes the answer itself
                    }
                    if (!gone) {
                        write();
                        end(); // before complete(): once completed, the container may recycle the request
                        try {
                            async.complete();
                        } catch (IllegalStateException e) {
                            abandoned.increment();
                            log.debug("Could not complete {}: {}", uri, e.toString());
                        }
                        return;
                    }
                }
                end(); // answered 503 already, or the client is gone: the answer is dropped
            }

            /** On the container's thread, once {@code process} returned without finishing. */
            void handedBack() {
                synchronized (this) {
                    if (!routeDone) {
                        async = request.startAsync(request, response);
                        async.setTimeout(asyncTimeoutMillis);
                        async.addListener(this);
                        return;
                    }
                }
                write();
                end();
            }

            /**
             * Writes the answer. A client that went away before its answer (its connection closed,
             * so the container ended the request) is no error of the service's: logged at debug
             * level and counted, not as Camel's warning with a stack trace.
             */
            private void write() {
                try {
                    binding.writeResponse(exchange, response);
                } catch (Exception e) {
                    abandoned.increment();
                    log.debug("Could not write the answer to {} (the client is gone?): {}", uri, e.toString());
                }
            }

            /** Ends the exchange and frees the request's place. */
            private void end() {
                try {
                    doneUoW(exchange);
                    releaseExchange(exchange, false);
                } finally {
                    inFlight.release();
                }
            }

            /**
             * The container gave up on a request the route had not answered within
             * {@code spring.mvc.async.request-timeout}: 503 in the service's error shape rather than
             * the container's error page.
             */
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                String requestId;
                synchronized (this) {
                    if (routeDone) {
                        return; // the answer was written and the request completed
                    }
                    // read while the route cannot end the exchange: it ends it only after this block
                    String offered = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
                    requestId = HttpExchanges.requestIdFor(offered != null ? offered
                            : request.getHeader(HttpExchanges.REQUEST_ID));
                    gone = true;
                }
                abandoned.increment();
                log.warn("No answer to request {} within {} ms; answered 503", requestId, asyncTimeoutMillis);
                if (!response.isCommitted()) {
                    response.setHeader(HttpHeaders.RETRY_AFTER, "1");
                    answers.writeError(response, uri, requestId,
                            HttpServletResponse.SC_SERVICE_UNAVAILABLE, "timeout", "no answer in time; try again shortly");
                }
                event.getAsyncContext().complete();
            }

            @Override
            public void onComplete(AsyncEvent event) {
                // the answer was written
            }

            /** The connection failed (the client went away): the route's answer, when it comes, is dropped. */
            @Override
            public void onError(AsyncEvent event) {
                synchronized (this) {
                    if (routeDone) {
                        return; // the answer was written (or its write failed, counted) and the request completed
                    }
                    gone = true;
                }
                abandoned.increment();
                log.debug("The client of {} went away before its answer: {}", uri,
                        String.valueOf(event.getThrowable()));
                event.getAsyncContext().complete();
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // not restarted
            }
        }

        /** A body refused before the route runs (too large, not in its charset): the route's error shape. */
        private void refuse(HttpServletRequest request, HttpServletResponse response, InvalidRequestException e) {
            if (e.status() == 413) {
                response.setHeader("Connection", "close"); // the rest of the body is not read
            }
            writeError(request, response, e.status(), e.code(), e.getMessage());
        }

        /**
         * Past {@code max-in-flight}: 503 with Retry-After in the error shape of the path's API, the
         * request never reaching a route, whether Spring MVC or {@link RouteDispatchFilter} called.
         */
        private void overloaded(HttpServletRequest request, HttpServletResponse response) {
            response.setHeader(HttpHeaders.RETRY_AFTER, "1");
            writeError(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "capacity_exceeded",
                    "too many requests in flight; try again shortly");
        }

        /** An answer before any route ran, in the path's error shape with the caller's (or a new) request id. */
        private void writeError(HttpServletRequest request, HttpServletResponse response, int status, String code,
                String message) {
            String requestId = HttpExchanges.requestIdFor(request.getHeader(HttpExchanges.REQUEST_ID));
            try {
                answers.writeError(response, request.getRequestURI(), requestId, status, code, message);
            } catch (IOException gone) {
                abandoned.increment();
            }
        }

        private static void unavailable(HttpServletResponse response) {
            try {
                response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            } catch (java.io.IOException e) {
                // the client has gone
            }
        }
    }

    /**
     * The exchange's message for a body read and decoded already: what
     * {@link PlatformHttpMessage#init} does (the servlet's request and response as headers, the
     * request's headers and parameters through the binding), less two things. It does not read
     * the body through the container's lenient reader, and it does not offer the body to Camel's
     * type converters as a {@code StreamCache}: none takes a String, and each miss searches all
     * of them again (7 % of the container thread's CPU on a cache hit, profiled).
     */
    static PlatformHttpMessage messageOf(Exchange exchange, HttpBinding binding, HttpServletRequest request,
            HttpServletResponse response, String text) {
        PlatformHttpMessage message = new PlatformHttpMessage(request, response, exchange, binding, false);
        exchange.setIn(message);
        message.setBody(text);
        message.setHeader(Exchange.HTTP_SERVLET_REQUEST, request);
        message.setHeader(Exchange.HTTP_SERVLET_RESPONSE, response);
        if (Boolean.TRUE.equals(exchange.getProperty(Exchange.SKIP_WWW_FORM_URLENCODED, Boolean.class))) {
            message.setHeader(Exchange.SKIP_WWW_FORM_URLENCODED, Boolean.TRUE);
        }
        binding.readRequest(request, message);
        return message;
    }
}
