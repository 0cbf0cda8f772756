package dev.modelapi.ingest.kafka;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Kafka ingress ({@code modelapi.kafka.*}, routes/ingress-kafka.camel.yaml); on when
 * {@code KAFKA_BOOTSTRAP_SERVERS} is set.
 *
 * @param enabled whether the request topic is consumed
 * @param bootstrapServers the brokers, {@code host:port,...}
 * @param requestTopic requests, JSON as over HTTP; the record key is kept for the answer
 * @param resultTopic answers (and errors), with the request's key
 * @param deadLetterTopic requests given up on, with the reason in record headers
 * @param groupId the consumer group: instances with the same group share the partitions
 * @param maxTries tries of a request that fails for a passing reason before it is given up
 * @param retryDelay the wait before the first retry; doubles each try, at most a minute
 */
@Validated
@ConfigurationProperties("modelapi.kafka")
record KafkaProperties(
        @DefaultValue("false") boolean enabled,
        @NotBlank @DefaultValue("localhost:9092") String bootstrapServers,
        @NotBlank @DefaultValue("modelapi.requests") String requestTopic,
        @NotBlank @DefaultValue("modelapi.results") String resultTopic,
        @NotBlank @DefaultValue("modelapi.requests.DLT") String deadLetterTopic,
        @NotBlank @DefaultValue("model-api-service") String groupId,
        @Min(1) @DefaultValue("5") int maxTries,
        @NotNull @DefaultValue("1s") Duration retryDelay) {
}
