package dev.modelapi.ingest;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of the request API ({@code modelapi.api.*}).
 *
 * @param maxBodySize the largest request body accepted; larger is a 413
 * @param maxBatchTexts the most texts in one {@code /predict/batch} request
 * @param maxInFlight HTTP requests being answered at once; one more is refused with 503 and
 *     Retry-After at once. No thread waits for a request in flight (AsyncPlatformHttpEngine), so
 *     this bounds memory and queueing, not threads.
 */
@Validated
@ConfigurationProperties("modelapi.api")
record ApiProperties(
        @NotNull @DefaultValue("1MB") DataSize maxBodySize,
        @Min(1) @Max(10000) @DefaultValue("64") int maxBatchTexts,
        @Min(1) @DefaultValue("2048") int maxInFlight) {
}
