package dev.modelapi.security;

import dev.modelapi.securityevents.Reason;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The one admission rule of every entrance that takes an API key (HTTP's {@link ApiKeyFilter},
 * gRPC's {@link GrpcKeyInterceptor}): no or an unknown key is refused (401), a key without the
 * role a call needs too (403), a key over its rate too (429, retry after a second).
 */
@Component
class KeyCheck {

    private static final String BEARER = "bearer ";

    private final SecurityProperties settings;
    private final ApiKeys keys;
    private final RateLimiterRegistry limiters;

    public KeyCheck(SecurityProperties settings, ApiKeys keys, RateLimiterRegistry limiters) {
        this.settings = settings;
        this.keys = keys;
        this.limiters = limiters;
    }

    /**
     * Who is asking, or why not.
     *
     * @param caller who it is, or null for a refusal
     * @param status the refusal's HTTP status (401, 403, 429), 0 when admitted
     * @param reason the refusal's security event reason (finer than the code the caller is told:
     *     an unknown and a disabled key are both {@code invalid_api_key} to the caller)
     * @param holder the name of the refused key's holder when the key is known (also a disabled one)
     */
    public record Verdict(Caller caller, int status, String code, String message, Duration retryAfter, Reason reason,
            String holder) {

        static Verdict admit(Caller caller) {
            return new Verdict(caller, 0, null, null, null, null, null);
        }

        static Verdict refuse(int status, String code, String message, Reason reason, String holder) {
            return new Verdict(null, status, code, message, status == 429 ? Duration.ofSeconds(1) : null, reason,
                    holder);
        }

        public boolean admitted() {
            return caller != null;
        }
    }

    /**
     * @param key the key the request carries, or null
     * @param trusted a caller known without a key (the service's own warm-up), or null
     * @param roles the roles that may make the call (any one of them), empty for any valid key,
     *     null for a call that needs no key
     * @param target what is called, for the refusal's message
     */
    public Verdict check(String key, Caller trusted, Set<Role> roles, String target) {
        if (!settings.enabled()) {
            return Verdict.admit(trusted != null ? trusted : Caller.ANONYMOUS);
        }
        Caller caller = trusted != null ? trusted : key == null ? null : keys.find(key).orElse(null);
        if (roles == null) {
            return Verdict.admit(caller == null ? Caller.ANONYMOUS : caller);
        }
        if (caller == null && key == null) {
            return Verdict.refuse(401, "missing_api_key", "send an API key in X-API-Key or Authorization: Bearer",
                    Reason.MISSING_KEY, null);
        }
        if (caller == null) {
            String disabled = keys.disabledHolder(key).orElse(null);
            return Verdict.refuse(401, "invalid_api_key", "the API key is not known or no longer enabled",
                    disabled == null ? Reason.UNKNOWN_KEY : Reason.DISABLED_KEY, disabled);
        }
        if (!roles.isEmpty() && roles.stream().noneMatch(caller::has)) {
            return Verdict.refuse(403, "forbidden", "the key of " + caller.name() + " lacks the role "
                    + roles.stream().map(Role::wireName).sorted().toList() + " that " + target + " needs",
                    Reason.ROLE, caller.name());
        }
        if (caller.requestsPerSecond() > 0 && !limiterOf(caller).acquirePermission()) {
            return Verdict.refuse(429, "rate_limited", "more than " + caller.requestsPerSecond()
                    + " requests per second for the key of " + caller.name(), Reason.RATE_LIMITED, caller.name());
        }
        return Verdict.admit(caller);
    }

    /** The key a request carries: its {@code X-API-Key}, else the token of {@code Authorization: Bearer}. */
    public static String keyFrom(String apiKey, String authorization) {
        if (apiKey != null && !apiKey.isBlank()) {
            return apiKey.strip();
        }
        if (authorization != null && authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            String token = authorization.substring(BEARER.length()).strip();
            return token.isEmpty() ? null : token;
        }
        return null;
    }

    /** A key's rate, shared by all its entrances. */
    private RateLimiter limiterOf(Caller caller) {
        double perSecond = caller.requestsPerSecond();
        // a limit below 1 per second refreshes less often, so the rate holds: 0.5/s = 1 per 2 s
        int permits = (int) Math.max(1, Math.round(perSecond));
        Duration period = Duration.ofNanos((long) (permits / perSecond * 1e9));
        return limiters.rateLimiter("key:" + caller.name(), () -> RateLimiterConfig.custom()
                .limitForPeriod(permits).limitRefreshPeriod(period).timeoutDuration(Duration.ZERO).build());
    }
}
