package dev.modelapi.security;

import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One rate limiter per key, made on the key's first request, with resilience4j's metrics. */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    RateLimiterRegistry keyRateLimiters(MeterRegistry meters) {
        RateLimiterRegistry registry = RateLimiterRegistry.ofDefaults();
        TaggedRateLimiterMetrics.ofRateLimiterRegistry(registry).bindTo(meters);
        return registry;
    }
}
