package dev.modelapi.ingest;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Cross-origin requests from browsers ({@code modelapi.cors.*}): off until origins are named.
 *
 * @param allowedOrigins the web pages' origins that may call the API ({@code https://app.example.com};
 *     patterns such as {@code https://*.example.com}); none by default, so no page may
 * @param allowedMethods the methods a page may use
 * @param allowedHeaders the request headers a page may send (the key's among them)
 * @param exposedHeaders the answer's headers a page may read
 * @param maxAge how long a browser may keep a preflight's answer
 * @param allowCredentials whether a page may send cookies or HTTP authentication (this service uses neither)
 */
@Validated
@ConfigurationProperties("modelapi.cors")
record CorsProperties(
        @NotNull @DefaultValue({}) List<String> allowedOrigins,
        @NotNull @DefaultValue({"GET", "POST", "DELETE"}) List<String> allowedMethods,
        @NotNull @DefaultValue({"Content-Type", "X-API-Key", "Authorization", "X-Request-ID", "Idempotency-Key",
                "Inference-Header-Content-Length"}) List<String> allowedHeaders,
        @NotNull @DefaultValue({"X-Request-ID", "Retry-After", "Idempotent-Replayed",
                "Inference-Header-Content-Length"}) List<String> exposedHeaders,
        @NotNull @DefaultValue("1h") Duration maxAge,
        @DefaultValue("false") boolean allowCredentials) {

    boolean enabled() {
        return allowedOrigins.stream().anyMatch(origin -> !origin.isBlank());
    }
}
