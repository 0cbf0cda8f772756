package dev.modelapi.batching;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The dynamic batcher ({@code modelapi.batching.*}); the batching routes read the same keys as
 * {@code {{placeholders}}}.
 *
 * @param maxBatchSize a batch completes when it holds this many texts ({@code MAX_BATCH_SIZE})
 * @param maxBatchTokens ... or as many texts of its length bucket as fit this many tokens
 *     ({@link BatchShape}); 256 keeps e-mail-length texts at one per batch, where batching them is
 *     slower on a CPU, and lets chat-length texts batch by 8 to 16 ({@code MAX_BATCH_TOKENS})
 * @param charsPerToken characters per token assumed when estimating a text's length before tokenising
 * @param maxDelay ... or when no text has joined it for this long
 * @param timeoutCheckerInterval how often the aggregator looks for batches past {@code maxDelay};
 *     Camel's default of 1 s would make a lone request wait a second; only while texts come
 * @param timeoutCheckerIdleInterval how often it looks once no text has come for a second (or twice
 *     {@code maxDelay}), until the next text wakes it ({@link BatchTimeoutChecker})
 * @param queueCapacity texts waiting for a batch; past it a request is refused with 503 at once
 * @param requestTimeout how long a text may wait for its answer, queue and inference included
 * @param retryAfter what a refused caller is told to wait before trying again
 */
@Validated
@ConfigurationProperties("modelapi.batching")
record BatchingProperties(
        @Min(1) @Max(1024) @DefaultValue("16") int maxBatchSize,
        @Min(1) @DefaultValue("256") int maxBatchTokens,
        @Min(1) @DefaultValue("4") int charsPerToken,
        @NotNull @DefaultValue("5ms") Duration maxDelay,
        @NotNull @DefaultValue("1ms") Duration timeoutCheckerInterval,
        @NotNull @DefaultValue("100ms") Duration timeoutCheckerIdleInterval,
        @Min(1) @DefaultValue("1024") int queueCapacity,
        @NotNull @DefaultValue("30s") Duration requestTimeout,
        @NotNull @DefaultValue("1s") Duration retryAfter) {
}
