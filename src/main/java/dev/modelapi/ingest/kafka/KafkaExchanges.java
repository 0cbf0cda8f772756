package dev.modelapi.ingest.kafka;

import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failure;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.ingest.IdempotentAnswers;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.pipeline.PredictionTask;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What is Kafka about a prediction: the request id (the record's {@code requestId} header, else
 * {@code kafka:<topic>:<partition>:<offset>}, the same on every retry), the answer with the
 * request's key, the manual offset commit once the answer is produced, and a request given up
 * (at once for a bad request; after Camel's redeliveries, policy {@code kafkaRedelivery}, for a
 * failure that may pass): the JSON error to the result topic, the request to the dead-letter
 * topic, and committed. routes/ingress-kafka.camel.yaml says which failure does what.
 */
@Component("kafkaExchanges")
public class KafkaExchanges {

    public static final String ERROR_CODE = "ModelApiErrorCode";
    public static final String ERROR_MESSAGE = "ModelApiErrorMessage";
    /** Header of a dead letter: how many times the request was tried. */
    public static final String TRIES = "ModelApiTries";
    static final String REQUEST_BODY = "kafkaRequestBody";
    static final String TRIES_PROPERTY = "kafkaTries";
    /** Exchange property: the key of the route's idempotentConsumer step (the Idempotency-Key header, else the record and its timestamp). */
    static final String DELIVERY_KEY = "deliveryKey";
    private static final String ERROR_ANSWER = "kafkaErrorAnswer";

    private static final Logger log = LoggerFactory.getLogger(KafkaExchanges.class);

    private final ObjectMapper json;
    private final Answers answers;
    private final Failures failures;

    public KafkaExchanges(ObjectMapper json, Answers answers, Failures failures) {
        this.json = json;
        this.answers = answers;
        this.failures = failures;
    }

    /** The {@code kafka-accept} step: the request id, the body kept for an error answer. */
    public void accept(Exchange exchange) {
        String offered = exchange.getIn().getHeader("requestId", String.class);
        String requestId = HttpExchanges.requestIdFor(offered != null ? offered : recordId(exchange));
        exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, requestId);
        exchange.setProperty(REQUEST_BODY, exchange.getIn().getBody(String.class));
        String key = exchange.getIn().getHeader(IdempotentAnswers.HEADER, String.class);
        // a record's offset is unique only in its topic's life: the timestamp tells a replayed
        // record (the same one) from a new record at a recreated topic's reused offset
        exchange.setProperty(DELIVERY_KEY, HttpExchanges.isSafeId(key) ? "key:" + key
                : "record:" + recordId(exchange) + ":" + exchange.getIn().getHeader(KafkaConstants.TIMESTAMP));
    }

    /**
     * The {@code kafka-request} step, first of every try: the request as received (a retry runs
     * the pipeline again from the record, with new tasks), and one more try counted.
     */
    public void begin(Exchange exchange) {
        exchange.setProperty(TRIES_PROPERTY, exchange.getProperty(TRIES_PROPERTY, 0, Integer.class) + 1);
        exchange.getIn().setBody(exchange.getProperty(REQUEST_BODY, String.class));
    }

    /** The {@code kafka-answer} step: the JSON answer; only the key and the request id go on as headers. */
    @SuppressWarnings("unchecked")
    public void answer(Exchange exchange) throws JsonProcessingException {
        List<PredictionTask> tasks = exchange.getIn().getBody(List.class);
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        exchange.getIn().setBody(json.writeValueAsString(
                answers.answerTo(exchange.getProperty(REQUEST_BODY, String.class), requestId, tasks)));
        keepOnlyKey(exchange, requestId);
    }

    /** The {@code kafka-commit} step: the record's offset, now that its answer is produced. */
    public void commit(Exchange exchange) {
        KafkaManualCommit manual = exchange.getIn().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (manual != null) {
            manual.commit();
        }
    }

    /**
     * The {@code kafka-failure} step of {@code direct:kafka-give-up}, once the error clause has
     * recorded the failure and Camel's redeliveries, if any, are spent: the request as received
     * becomes the dead letter, with the reason in its headers, and the JSON error its answer.
     */
    public void giveUp(Exchange exchange) throws JsonProcessingException {
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        Failure failure = failures.recorded(exchange);
        int tries = Math.max(1, exchange.getProperty(TRIES_PROPERTY, 0, Integer.class));
        log.warn("Kafka request {} given up after {} {}: {} {}", requestId, tries, tries == 1 ? "try" : "tries",
                failure.code(), failure.message());
        exchange.setProperty(ERROR_ANSWER, json.writeValueAsString(answers.errorBody(failure.code(), failure.message(),
                requestId)));
        exchange.getIn().setBody(exchange.getProperty(REQUEST_BODY, String.class));
        keepOnlyKey(exchange, requestId);
        exchange.getIn().setHeader(ERROR_CODE, failure.code());
        exchange.getIn().setHeader(ERROR_MESSAGE, failure.message());
        exchange.getIn().setHeader(TRIES, Integer.toString(tries));
    }

    /** The {@code kafka-error-answer} step: after the dead letter, the caller's answer is the error. */
    public void errorAnswer(Exchange exchange) {
        exchange.getIn().setBody(exchange.getProperty(ERROR_ANSWER, String.class));
        exchange.getIn().removeHeaders("ModelApiError*");
    }

    private static String recordId(Exchange exchange) {
        return "kafka:" + exchange.getIn().getHeader(KafkaConstants.TOPIC) + ":"
                + exchange.getIn().getHeader(KafkaConstants.PARTITION) + ":" + exchange.getIn().getHeader(KafkaConstants.OFFSET);
    }

    /** The consumer's headers must not steer the producer (topic, partition, timestamp); the key and id stay. */
    private static void keepOnlyKey(Exchange exchange, String requestId) {
        Object key = exchange.getIn().getHeader(KafkaConstants.KEY);
        KafkaManualCommit manual = exchange.getIn().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        String topic = exchange.getIn().getHeader(KafkaConstants.TOPIC, String.class);
        Object partition = exchange.getIn().getHeader(KafkaConstants.PARTITION);
        Object offset = exchange.getIn().getHeader(KafkaConstants.OFFSET);
        exchange.getIn().removeHeaders("*");
        if (key != null) {
            exchange.getIn().setHeader(KafkaConstants.KEY, key);
        }
        exchange.getIn().setHeader("requestId", requestId);
        // kept for the commit step, which runs after the answer is produced
        exchange.getIn().setHeader(KafkaConstants.MANUAL_COMMIT, manual);
        exchange.getIn().setHeader(KafkaConstants.TOPIC, topic);
        exchange.getIn().setHeader(KafkaConstants.PARTITION, partition);
        exchange.getIn().setHeader(KafkaConstants.OFFSET, offset);
    }
}
