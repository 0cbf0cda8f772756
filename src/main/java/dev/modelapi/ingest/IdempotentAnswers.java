package dev.modelapi.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.cache.CacheNames;
import dev.modelapi.digest.Sha256;
import dev.modelapi.errors.InvalidRequestException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.stereotype.Component;

/**
 * The first answer to each {@code Idempotency-Key}, per caller and endpoint, so that a client's
 * retry of a prediction gets the answer it missed, not a second inference (the steps
 * {@code http-idempotent-lookup}, {@code http-replay} and {@code http-keep-answer} of
 * routes/ingress-http.camel.yaml). Kept in the cache manager's {@code idempotent-answers} cache:
 * Redis when {@code REDIS_URL} is set, so a retry that reaches another instance gets it too;
 * Caffeine otherwise; for {@code modelapi.idempotency.ttl}. Only answers (200) are kept: a failed
 * request is tried again. The same key with another body is refused (409), as a key reused by
 * mistake must not return someone else's answer. Two requests with one key at the same moment are
 * both answered; the first to finish is kept.
 */
@Component("idempotentAnswers")
public class IdempotentAnswers {

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";
    /** Exchange properties: the stored answer found for the request, and where to keep its own. */
    static final String ANSWER_PROPERTY = "idempotentAnswer";
    private static final String SLOT_PROPERTY = "idempotentAnswerSlot";
    private static final Logger log = LoggerFactory.getLogger(IdempotentAnswers.class);

    private final Cache answers;
    private final ObjectMapper json;
    private final Counter replayed;
    private final Counter storeFailures;

    public IdempotentAnswers(CacheManager caches, ObjectMapper json, MeterRegistry meters) {
        this.answers = Objects.requireNonNull(caches.getCache(CacheNames.IDEMPOTENT_ANSWERS),
                "cache " + CacheNames.IDEMPOTENT_ANSWERS);
        this.json = json;
        this.replayed = Counter.builder("modelapi.idempotency.replayed")
                .description("HTTP requests answered with the first answer to their Idempotency-Key").register(meters);
        this.storeFailures = Counter.builder("modelapi.idempotency.store.failures")
                .description("Reads or writes of remembered keys or answers that failed (Redis down)")
                .tag("repository", "http-answers").register(meters);
    }

    /** Where one request's answer is kept: the caller, the endpoint and the key; and the body it answers. */
    private record Slot(String key, String bodySha256) {
    }

    /**
     * The {@code http-idempotent-lookup} step: with an {@code Idempotency-Key}, the first answer
     * this caller got to it on this endpoint, if any, becomes the property {@code idempotentAnswer}.
     * A key outside 1-128 letters, digits, {@code . _ : -} is a 400; a key seen with another body a 409.
     */
    public void lookup(Exchange exchange) {
        String key = HttpExchanges.idempotencyKeyOf(exchange);
        if (key == null) {
            return;
        }
        String caller = exchange.getIn().getHeader("X-ModelApi-Principal", "anonymous", String.class);
        String path = exchange.getIn().getHeader(Exchange.HTTP_PATH, "", String.class);
        String body = exchange.getIn().getBody(String.class);
        Slot slot = new Slot(caller + ":" + path + ":" + key, Sha256.hex(body == null ? "" : body));
        exchange.setProperty(SLOT_PROPERTY, slot);
        String stored;
        try {
            stored = answers.get(slot.key(), String.class);
        } catch (RuntimeException e) {
            storeFailed("read", e);
            return;
        }
        if (stored == null) {
            return;
        }
        JsonNode kept;
        try {
            kept = json.readTree(stored);
        } catch (JsonProcessingException e) {
            storeFailed("parse", e);
            return;
        }
        if (!slot.bodySha256().equals(kept.path("bodySha256").asText())) {
            throw new InvalidRequestException(409, "idempotency_key_reused",
                    "this Idempotency-Key was used before with another request body");
        }
        exchange.setProperty(ANSWER_PROPERTY, kept.path("answer").asText());
    }

    /** The {@code http-replay} step: the kept answer, 200, marked {@code Idempotent-Replayed: true}. */
    public void replay(Exchange exchange) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(HttpExchanges.REQUEST_ID, exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY));
        message.setHeader(REPLAYED, "true");
        message.setBody(exchange.getProperty(ANSWER_PROPERTY, String.class));
        replayed.increment();
    }

    /** The {@code http-keep-answer} step, after the answer is written: a 200 is kept for the key's retries. */
    public void keep(Exchange exchange) {
        Slot slot = exchange.getProperty(SLOT_PROPERTY, Slot.class);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (slot == null || status == null || status != 200) {
            return;
        }
        try {
            answers.putIfAbsent(slot.key(), json.writeValueAsString(Map.of("bodySha256", slot.bodySha256(),
                    "answer", exchange.getMessage().getBody(String.class))));
        } catch (JsonProcessingException | RuntimeException e) {
            storeFailed("write", e);
        }
    }

    private void storeFailed(String what, Exception e) {
        storeFailures.increment();
        log.warn("Could not {} a kept answer ({}): {}", what, e.getClass().getSimpleName(), e.getMessage());
    }
}
