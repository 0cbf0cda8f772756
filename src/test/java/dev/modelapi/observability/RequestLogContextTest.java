package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The request's ids in the logging MDC: put where a thread takes a request up, gone when it lets go. */
class RequestLogContextTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    private Exchange request(String requestId) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(RequestLogContext.REQUEST_ID, requestId);
        return exchange;
    }

    @Test
    void shouldPutTheRequestsIdsAndReplaceThoseOfTheRequestBefore() {
        MDC.put(RequestLogContext.TRACE_ID, "a-trace-of-the-request-before");
        Exchange exchange = request("r-1");

        RequestLogContext.enter(exchange, "http-predict");

        assertThat(MDC.get(RequestLogContext.REQUEST_ID)).isEqualTo("r-1");
        assertThat(MDC.get(RequestLogContext.EXCHANGE_ID)).isEqualTo(exchange.getExchangeId());
        assertThat(MDC.get(RequestLogContext.TRACE_ID)).as("no span on this exchange").isNull();
    }

    @Test
    void shouldLeaveNoIdOfTheRequestOnceCleared() {
        MDC.put("unrelated", "kept");
        RequestLogContext.enter(request("r-2"), "http-predict");

        RequestLogContext.clear();

        assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("unrelated", "kept"));
    }

    @Test
    void shouldLeaveTheIdsOfAnotherExchangeWhereTheyAre() {
        Exchange request = request("r-3");
        RequestLogContext.enter(request, "http-predict");

        RequestLogContext.leave(request("r-4")); // a copy of it, say, that ended on this thread before

        assertThat(MDC.get(RequestLogContext.REQUEST_ID)).isEqualTo("r-3");
        RequestLogContext.leave(request);
        assertThat(MDC.get(RequestLogContext.REQUEST_ID)).isNull();
    }

    @Test
    void shouldLeaveNoRequestIdForAnExchangeWithoutOne() {
        RequestLogContext.enter(request("r-5"), "http-predict");
        Exchange batch = new DefaultExchange(camel);

        RequestLogContext.enter(batch, "batch-route");

        assertThat(MDC.get(RequestLogContext.REQUEST_ID)).isNull();
        assertThat(MDC.get(RequestLogContext.ROUTE_ID)).isEqualTo("batch-route");
        assertThat(MDC.get(RequestLogContext.EXCHANGE_ID)).isEqualTo(batch.getExchangeId());
    }
}
