package dev.modelapi.observability;

import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.impl.engine.DefaultUnitOfWork;
import org.apache.camel.spi.UnitOfWork;
import org.apache.camel.spi.UnitOfWorkFactory;

/**
 * Camel's unit of work with the request's ids put into the logging MDC before each step of a route
 * ({@link RequestLogContext}), on whichever thread runs the step: after the batcher, the rest of a
 * request's route runs on the thread that finished its batch.
 *
 * <p>In place of Camel's own MDC logging ({@code camel.main.use-mdc-logging}, off), whose unit of
 * work copies the thread's whole MDC map before every step and wraps every step's callback to put it
 * back afterwards: on the cached path that was a fifth of the CPU and about 50 KB of garbage per
 * request (docs/performance.md). This one writes the MDC only when the exchange, span or route
 * changed since the step before, and leaves nothing to undo: the next step, or the end of the
 * exchange, sets it again.
 */
public final class RequestLogUnitOfWork extends DefaultUnitOfWork {

    RequestLogUnitOfWork(Exchange exchange, Factory factory) {
        super(exchange, exchange.getContext().getInflightRepository(), factory.allowUseOriginalMessage,
                factory.useBreadcrumb);
    }

    @Override
    public boolean isBeforeAfterProcess() {
        return true;
    }

    @Override
    public AsyncCallback beforeProcess(Processor processor, Exchange exchange, AsyncCallback callback) {
        Route route = getRoute();
        RequestLogContext.enter(exchange, route != null ? route.getRouteId() : exchange.getFromRouteId());
        return callback;
    }

    @Override
    public void afterProcess(Processor processor, Exchange exchange, AsyncCallback callback, boolean doneSync) {
        // nothing to undo: see the class comment
    }

    @Override
    public void done(Exchange exchange) {
        try {
            super.done(exchange);
        } finally {
            RequestLogContext.leave(exchange);
        }
    }

    /** Makes every exchange's unit of work a {@link RequestLogUnitOfWork}; Camel picks the bean up. */
    public static final class Factory implements UnitOfWorkFactory {

        private boolean allowUseOriginalMessage;
        private boolean useBreadcrumb;

        @Override
        public UnitOfWork createUnitOfWork(Exchange exchange) {
            return new RequestLogUnitOfWork(exchange, this);
        }

        @Override
        public void afterPropertiesConfigured(CamelContext camel) {
            allowUseOriginalMessage = Boolean.TRUE.equals(camel.isAllowUseOriginalMessage());
            useBreadcrumb = Boolean.TRUE.equals(camel.isUseBreadcrumb());
        }
    }
}
