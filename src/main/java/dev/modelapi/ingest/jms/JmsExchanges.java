package dev.modelapi.ingest.jms;

import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failure;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.pipeline.PredictionTask;
import java.util.List;
import jakarta.jms.JMSException;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.component.jms.JmsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What is JMS about a prediction: the request id (the {@code requestId} property, else the
 * message id, so a redelivered message keeps its id and its audit row), the answer as a text
 * message, and what a failure does to the message: rolled back for another try while tries are
 * left and trying again can help, otherwise dead-lettered with the reason and answered with the
 * JSON error.
 */
@Component("jmsExchanges")
public class JmsExchanges {

    public static final String ERROR_CODE = "ModelApiErrorCode";
    public static final String ERROR_MESSAGE = "ModelApiErrorMessage";
    public static final String DELIVERIES = "ModelApiDeliveries";
    /** The message property a sender sets so that a message it sends again is answered once. */
    public static final String IDEMPOTENCY_KEY = "IdempotencyKey";
    /** Exchange property: the key of the route's idempotentConsumer step. */
    static final String DELIVERY_KEY = "deliveryKey";
    /** Exchange properties of the route: the request as received, whether it named a JMSReplyTo, and the give-up flag. */
    static final String REQUEST_BODY = "jmsRequestBody";
    static final String HAS_REPLY_TO = "jmsHasReplyTo";
    static final String DEAD_LETTER = "deadLetter";
    private static final String ERROR_ANSWER = "jmsErrorAnswer";

    private static final Logger log = LoggerFactory.getLogger(JmsExchanges.class);

    private final ObjectMapper json;
    private final Answers answers;
    private final Failures failures;
    private final JmsProperties settings;

    public JmsExchanges(ObjectMapper json, Answers answers, Failures failures, JmsProperties settings) {
        this.json = json;
        this.answers = answers;
        this.failures = failures;
        this.settings = settings;
    }

    /** The {@code jms-accept} step: request id, the body kept for a dead letter, the reply destination noted. */
    public void accept(Exchange exchange) {
        String offered = exchange.getIn().getHeader("requestId", String.class);
        String messageId = exchange.getIn().getHeader("JMSMessageID", String.class);
        String requestId = HttpExchanges.requestIdFor(offered != null ? offered : messageId);
        exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, requestId);
        exchange.setProperty(REQUEST_BODY, exchange.getIn().getBody(String.class));
        exchange.setProperty(HAS_REPLY_TO, exchange.getIn().getHeader("JMSReplyTo") != null);
        exchange.setProperty(DELIVERY_KEY, deliveryKey(exchange.getIn().getHeader(IDEMPOTENCY_KEY, String.class),
                messageId));
        if (exchange.getIn().getHeader("JMSCorrelationID") == null && messageId != null) {
            // a reply-queue answer can be matched to its request by the request's message id
            exchange.getIn().setHeader("JMSCorrelationID", messageId);
        }
    }

    /**
     * The {@code jms-skip-duplicate} step: a message whose key was answered before (by this or
     * another instance) is acknowledged without a second answer; a JMSReplyTo is not answered again.
     */
    public void duplicate(Exchange exchange) {
        log.info("JMS request {} was answered before (key {}); acknowledged without a second answer",
                exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY), exchange.getProperty(DELIVERY_KEY));
        exchange.setPattern(ExchangePattern.InOnly);
    }

    /**
     * The key a message is answered once under: the sender's {@code IdempotencyKey} property (the
     * HTTP header's name is not a valid JMS property name), else the message id, which the broker
     * keeps on a redelivery.
     */
    static String deliveryKey(String idempotencyKey, String messageId) {
        return HttpExchanges.isSafeId(idempotencyKey) ? "key:" + idempotencyKey : "id:" + messageId;
    }

    /** The {@code jms-answer} step: the result, or for a {@code texts} request every result, as JSON text. */
    @SuppressWarnings("unchecked")
    public void answer(Exchange exchange) throws JsonProcessingException {
        List<PredictionTask> tasks = exchange.getIn().getBody(List.class);
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        exchange.getIn().setBody(json.writeValueAsString(
                answers.answerTo(exchange.getProperty(REQUEST_BODY, String.class), requestId, tasks)));
        exchange.getIn().setHeader("requestId", requestId);
    }

    /**
     * The {@code jms-failure} step of the error handler. A failure that may pass, with tries left,
     * rolls the message back (the broker redelivers it; no answer is sent). Otherwise the message
     * is marked for the dead-letter queue with the reason, and its answer is the JSON error.
     */
    public void failure(Exchange exchange) throws JsonProcessingException {
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        Failure failure = failures.recorded(exchange);
        int deliveries = deliveries(exchange);
        if (failure.retryable() && deliveries < settings.maxDeliveries()) {
            log.warn("JMS request {} failed on try {} of {} ({}); rolled back for another try", requestId, deliveries,
                    settings.maxDeliveries(), failure.code());
            exchange.setRollbackOnly(true);
            return;
        }
        log.warn("JMS request {} dead-lettered after {} tries: {} {}", requestId, deliveries, failure.code(),
                failure.message());
        exchange.setProperty(DEAD_LETTER, true);
        exchange.setProperty(ERROR_ANSWER, json.writeValueAsString(answers.errorBody(failure.code(),
                failure.message(), requestId)));
        exchange.getIn().setBody(exchange.getProperty(REQUEST_BODY, String.class));
        exchange.getIn().removeHeader("JMSReplyTo");
        exchange.getIn().setHeader(ERROR_CODE, failure.code());
        exchange.getIn().setHeader(ERROR_MESSAGE, failure.message());
        exchange.getIn().setHeader(DELIVERIES, deliveries);
        exchange.getIn().setHeader("requestId", requestId);
    }

    /** The {@code jms-error-answer} step: after the dead letter is sent, the caller's answer is the error. */
    public void errorAnswer(Exchange exchange) {
        exchange.getIn().setBody(exchange.getProperty(ERROR_ANSWER, String.class));
    }

    /** The try this is, 1 for the first: JMSXDeliveryCount of the message as the broker delivered it. */
    static int deliveries(Exchange exchange) {
        if (exchange.getIn() instanceof JmsMessage message && message.getJmsMessage() != null) {
            try {
                int count = message.getJmsMessage().getIntProperty("JMSXDeliveryCount");
                return Math.max(1, count);
            } catch (JMSException | NumberFormatException e) {
                return 1;
            }
        }
        return exchange.getIn().getHeader("JMSXDeliveryCount", 1, Integer.class);
    }
}
