package dev.modelapi.warmup;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The start-up warm-up of the request path ({@code modelapi.warm-up.*}; each model's own first
 * forward at load is {@code modelapi.models.warm-up}).
 *
 * @param enabled whether the service sends itself requests after start-up; readiness waits for them
 * @param requests how many prediction requests it sends at most
 * @param concurrency how many of them are in flight at once (on 2 cores one at a time brought the
 *     three-model ensemble to 0.9x of its steady rate 102-125 s after the start where 8 took 139-194 s,
 *     but one model 128-139 s where 8 took 111-118 s, and ready 9 s later: docs/performance.md)
 * @param maxDuration when it stops even if not all were sent (readiness is up then either way): what the
 *     JIT compiles in the meantime is bounded by its compiler's time more than by the count of requests;
 *     on 2 cores the ensemble's warm-up cut at 38 s instead of 60 s left the rate after readiness, against
 *     the time since the start, where it was, and readiness came 21 s sooner (docs/performance.md)
 * @param requestTimeout how long one of its requests may take
 * @param settle whether, once its requests are answered and before readiness says up, the JVM runs a
 *     full collection ({@code System.gc()}: G1 gives back the heap the start-up grew beyond its need)
 *     and the allocator's free native heap goes back to the kernel (glibc's {@code malloc_trim},
 *     jemalloc's arena purge): what the start-up
 *     left resident varied by 240 MiB between identical starts, and what lay above the load's working
 *     set stayed under load (docs/performance.md); off where start-up time matters more than a few
 *     hundred milliseconds
 */
@Validated
@ConfigurationProperties("modelapi.warm-up")
record WarmUpProperties(
        @DefaultValue("true") boolean enabled,
        @Min(0) @Max(1_000_000) @DefaultValue("4000") int requests,
        @Min(1) @Max(256) @DefaultValue("8") int concurrency,
        @NotNull @DefaultValue("40s") Duration maxDuration,
        @NotNull @DefaultValue("30s") Duration requestTimeout,
        @DefaultValue("true") boolean settle) {
}
