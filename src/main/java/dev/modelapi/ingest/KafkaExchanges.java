package dev.modelapi.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.pipeline.PredictionTask;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What is Kafka about a prediction: the request id (the record's {@code requestId} header, else
 * {@code kafka:<topic>:<partition>:<offset>}, the same on every retry), the answer with the
 * request's key, the manual offset commit once the answer is produced, and what a failure does:
 * a bad request is answered with the JSON error and committed; a failure that may pass is retried
 * (the consumer seeks back to the record) after a doubling delay, and after the last try is given
 * up: the JSON error to the result topic, the request to the dead-letter topic, and committed.
 */
@Component("kafkaExchanges")
public class KafkaExchanges {

    public static final String ERROR_CODE = "ModelApiErrorCode";
    public static final String ERROR_MESSAGE = "ModelApiErrorMessage";
    static final String REQUEST_BODY = "kafkaRequestBody";
    static final String GIVE_UP = "kafkaGiveUp";
    private static final String ERROR_ANSWER = "kafkaErrorAnswer";
    /** Records retried at once are few (one per partition at a time); the bound guards against a leak. */
    private static final int MAX_TRACKED = 10_000;

    private static final Logger log = LoggerFactory.getLogger(KafkaExchanges.class);

    private final ObjectMapper json;
    private final Answers answers;
    private final KafkaProperties settings;
    private final Map<String, Integer> tries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    public KafkaExchanges(ObjectMapper json, Answers answers, KafkaProperties settings) {
        this.json = json;
        this.answers = answers;
        this.settings = settings;
    }

    /** The {@code kafka-accept} step: the request id, the body kept for an error answer. */
    public void accept(Exchange exchange) {
        String offered = exchange.getIn().getHeader("requestId", String.class);
        String requestId = HttpExchanges.requestIdFor(offered != null ? offered : recordId(exchange));
        exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, requestId);
        exchange.setProperty(REQUEST_BODY, exchange.getIn().getBody(String.class));
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
        synchronized (tries) {
            tries.remove(recordId(exchange));
        }
    }

    /**
     * The {@code kafka-failure} step. A failure that may pass, with tries left: waits, then
     * rethrows so the consumer seeks back to the record (nothing is committed). Otherwise marks the
     * record to be given up, with the JSON error as its answer.
     */
    public void failure(Exchange exchange) throws Exception {
        String requestId = exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class);
        Exception caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Answers.Failure failure = answers.classify(caught, requestId == null ? recordId(exchange) : requestId);
        int attempt;
        synchronized (tries) {
            attempt = tries.merge(recordId(exchange), 1, Integer::sum);
        }
        if (failure.retryable() && attempt < settings.maxTries()) {
            long delay = Math.min(Duration.ofMinutes(1).toMillis(), settings.retryDelay().toMillis() << (attempt - 1));
            log.warn("Kafka request {} failed on try {} of {} ({}); retrying in {} ms", requestId, attempt,
                    settings.maxTries(), failure.code(), delay);
            Thread.sleep(delay);
            throw caught;
        }
        log.warn("Kafka request {} given up after {} tries: {} {}", requestId, attempt, failure.code(), failure.message());
        exchange.setProperty(GIVE_UP, true);
        exchange.setProperty(ERROR_ANSWER, json.writeValueAsString(answers.errorBody(failure.code(), failure.message(),
                requestId)));
        exchange.getIn().setBody(exchange.getProperty(REQUEST_BODY, String.class));
        keepOnlyKey(exchange, requestId);
        exchange.getIn().setHeader(ERROR_CODE, failure.code());
        exchange.getIn().setHeader(ERROR_MESSAGE, failure.message());
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
        // kept for the commit step and the retry count, which run after the answer is produced
        exchange.getIn().setHeader(KafkaConstants.MANUAL_COMMIT, manual);
        exchange.getIn().setHeader(KafkaConstants.TOPIC, topic);
        exchange.getIn().setHeader(KafkaConstants.PARTITION, partition);
        exchange.getIn().setHeader(KafkaConstants.OFFSET, offset);
    }
}
