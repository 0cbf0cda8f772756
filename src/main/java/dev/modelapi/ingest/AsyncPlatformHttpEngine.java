package dev.modelapi.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
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
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * platform-http without a thread per request. Camel's Spring Boot engine runs each route on a task
 * executor thread that waits until the answer is written; this engine starts the route on the
 * servlet container's thread and lets Camel's asynchronous routing engine carry it: the container's
 * thread is free as soon as the route reaches its first asynchronous step (the batcher's await), and the response is written by whichever thread finishes the route. Spring MVC
 * holds the request open through the returned future (servlet async). Requests in flight are
 * bounded by {@code modelapi.api.max-in-flight}; one more is refused at once with 503.
 */
public class AsyncPlatformHttpEngine implements PlatformHttpEngine {

    private final int port;
    private final Semaphore inFlight;
    private final int maxInFlight;
    private final Counter refused;
    private final Counter abandoned;

    public AsyncPlatformHttpEngine(int port, int maxInFlight, MeterRegistry meters) {
        this.port = port;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        Gauge.builder("modelapi.http.inflight", inFlight, s -> maxInFlight - s.availablePermits())
                .description("HTTP requests being answered; bounded by modelapi.api.max-in-flight (" + maxInFlight + ")")
                .register(meters);
        this.refused = Counter.builder("modelapi.http.refused")
                .description("HTTP requests refused with 503 because modelapi.api.max-in-flight were in flight")
                .register(meters);
        this.abandoned = Counter.builder("modelapi.http.abandoned")
                .description("Answers that could not be written: the client had closed its connection")
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

    /** Thrown when {@code max-in-flight} requests are being answered; HttpOverloadAdvice makes it a 503. */
    static final class TooManyInFlightException extends RuntimeException {
        TooManyInFlightException(int limit) {
            super(limit + " requests in flight; try again shortly", null, false, false);
        }
    }

    final class Consumer extends SpringBootPlatformHttpConsumer {

        private static final Logger log = LoggerFactory.getLogger(Consumer.class);

        private final HttpBinding binding;

        Consumer(PlatformHttpEndpoint endpoint, Processor processor) {
            super(endpoint, processor, Runnable::run);
            // the same settings as the consumer's own (private) binding
            this.binding = new SpringBootPlatformHttpBinding();
            binding.setHeaderFilterStrategy(endpoint.getHeaderFilterStrategy());
            binding.setMuteException(endpoint.isMuteException());
            binding.setFileNameExtWhitelist(endpoint.getFileNameExtWhitelist());
            binding.setUseReaderForPayload(!endpoint.isUseStreaming());
        }

        /** Called by Spring MVC on the container's thread; the future completes once the answer is written. */
        @Override
        @ResponseBody
        public CompletableFuture<Void> service(HttpServletRequest request, HttpServletResponse response) {
            if (isSuspended()) {
                return CompletableFuture.runAsync(() -> unavailable(response), Runnable::run);
            }
            if (!inFlight.tryAcquire()) {
                refused.increment();
                throw new TooManyInFlightException(maxInFlight);
            }
            CompletableFuture<Void> written = new CompletableFuture<>();
            Exchange exchange;
            try {
                exchange = createExchange(true);
                exchange.setPattern(ExchangePattern.InOut);
                HttpHelper.setCharsetFromContentType(request.getContentType(), exchange);
                PlatformHttpMessage message = new PlatformHttpMessage(request, response, exchange, binding, false);
                exchange.setIn(message);
                message.init(exchange, binding, request, response);
                exchange.getIn().setHeader(SpringBootPlatformHttpConstants.CONTEXT_PATH, getEndpoint().getPath());
                createUoW(exchange);
            } catch (Exception e) {
                inFlight.release();
                throw new IllegalStateException("could not start the exchange: " + e.getMessage(), e);
            }
            getAsyncProcessor().process(exchange, doneSync -> {
                try {
                    write(exchange, request, response);
                } finally {
                    inFlight.release();
                    written.complete(null);
                }
            });
            return written;
        }

        /**
         * Writes the answer and ends the exchange. A client that went away before its answer (its
         * connection closed, so the container ended the request) is no error of the service's:
         * logged at debug level and counted, not as Camel's warning with a stack trace.
         */
        private void write(Exchange exchange, HttpServletRequest request, HttpServletResponse response) {
            try {
                binding.writeResponse(exchange, response);
            } catch (Exception e) {
                abandoned.increment();
                log.debug("Could not write the answer to {} (the client is gone?): {}", request.getRequestURI(),
                        e.toString());
            } finally {
                doneUoW(exchange);
                releaseExchange(exchange, false);
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
}
