package dev.modelapi.ensemble;

import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedTimeLimiterMetrics;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The registries camel-resilience4j puts each model call's breaker, time limiter and bulkhead in
 * (it takes the single bean of each type), bound to Micrometer: breaker state, call outcomes,
 * time-outs and bulkhead room per model-call route appear as {@code resilience4j_*} metrics.
 */
@Configuration(proxyBeanMethods = false)
class EnsembleConfiguration {

    @Bean
    CircuitBreakerRegistry modelCallBreakers(MeterRegistry meters) {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry;
    }

    @Bean
    TimeLimiterRegistry modelCallTimeLimiters(MeterRegistry meters) {
        TimeLimiterRegistry registry = TimeLimiterRegistry.ofDefaults();
        TaggedTimeLimiterMetrics.ofTimeLimiterRegistry(registry).bindTo(meters);
        return registry;
    }

    @Bean
    BulkheadRegistry modelCallBulkheads(MeterRegistry meters) {
        BulkheadRegistry registry = BulkheadRegistry.ofDefaults();
        TaggedBulkheadMetrics.ofBulkheadRegistry(registry).bindTo(meters);
        return registry;
    }
}
