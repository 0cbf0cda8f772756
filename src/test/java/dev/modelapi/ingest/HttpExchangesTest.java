package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** The readiness answers of the Open Inference Protocol, without a server: the status follows "ready". */
class HttpExchangesTest {

    final ObjectMapper json = new ObjectMapper();
    final HttpExchanges exchanges = new HttpExchanges(json, new Answers(json), new Failures());

    @Test
    void shouldMakeRequestIdsThatAreDistinctVersion4Uuids() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = HttpExchanges.requestIdFor(null);
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(HttpExchanges.isSafeId(id)).isTrue();
            ids.add(id);
        }
        assertThat(ids).hasSize(10_000);
        assertThat(HttpExchanges.requestIdFor("client-id-1")).isEqualTo("client-id-1");
    }

    @Test
    void shouldAnswerNotReadyWith400AndTheBodyAsTheProtocolAndTritonDo() throws Exception {
        Exchange exchange = readiness(new InferenceMessages.ServerReady(false));

        exchanges.health(exchange);

        assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(json.readTree(exchange.getMessage().getBody(String.class)).get("ready").asBoolean()).isFalse();
        assertThat(exchange.getMessage().getHeader(HttpExchanges.REQUEST_ID)).isEqualTo("ready-1");
    }

    @Test
    void shouldAnswerAModelNotLoadedWith404AndTheBody() throws Exception {
        Exchange exchange = readiness(new InferenceMessages.ModelReady("spam-roberta", false));

        exchanges.modelHealth(exchange);

        assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(404);
        assertThat(json.readTree(exchange.getMessage().getBody(String.class)).get("name").asText()).isEqualTo("spam-roberta");
    }

    @Test
    void shouldAnswerReadyWith200() throws Exception {
        for (boolean model : new boolean[] {false, true}) {
            Exchange exchange = readiness(model ? new InferenceMessages.ModelReady("spam-roberta", true)
                    : new InferenceMessages.ServerReady(true));

            if (model) {
                exchanges.modelHealth(exchange);
            } else {
                exchanges.health(exchange);
            }

            assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        }
    }

    private static Exchange readiness(InferenceMessages.Readiness body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, "ready-1");
        exchange.getIn().setBody(body);
        return exchange;
    }
}
