package dev.modelapi.security;

import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.securityevents.SecurityEvents;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Checks the API key of every HTTP request before Camel sees it: {@code X-API-Key} or
 * {@code Authorization: Bearer}. No or an unknown key is a 401, a key without the role the path
 * needs a 403, a key over its rate a 429 with {@code Retry-After} ({@link KeyCheck}); all in the error shape of the
 * path's API (the Open Inference Protocol's under {@code /v2}).
 * Each refusal is a security event. The caller's name, model allow-list and address go on to the
 * routes as the headers {@value #PRINCIPAL_HEADER}, {@value #MODELS_HEADER} and
 * {@link SecurityEvents#CLIENT_HEADER} (a client cannot set them: its own are dropped).
 * The service's own start-up warm-up sends no key but this JVM's token ({@link WarmUpCaller}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class ApiKeyFilter extends OncePerRequestFilter {

    public static final String PRINCIPAL_HEADER = "X-ModelApi-Principal";
    public static final String MODELS_HEADER = "X-ModelApi-Models";

    private final SecurityProperties settings;
    private final KeyCheck check;
    private final Answers answers;
    private final WarmUpCaller warmUp;
    private final SecurityEvents events;

    public ApiKeyFilter(SecurityProperties settings, KeyCheck check, Answers answers, WarmUpCaller warmUp,
            SecurityEvents events) {
        this.settings = settings;
        this.check = check;
        this.answers = answers;
        this.warmUp = warmUp;
        this.events = events;
    }

    /**
     * The roles that may use a path (any one of them), an empty set for any valid key, or null for
     * a path that needs no key.
     */
    Set<Role> rolesFor(String method, String path) {
        if (path.startsWith("/api/v1/predict") || path.startsWith("/v2/models/") && path.endsWith("/infer")) {
            return EnumSet.of(Role.PREDICT);
        }
        if (path.startsWith("/api/v1/models")) {
            return "GET".equals(method) ? Set.of() : EnumSet.of(Role.ADMIN);
        }
        if (path.equals("/api/v1/cache") || path.startsWith("/api/v1/cache/")) {
            return EnumSet.of(Role.ADMIN);
        }
        if (path.startsWith("/api/v1/audit")) {
            return EnumSet.of(Role.AUDITOR);
        }
        if (path.startsWith("/v2/health")) {
            // the protocol's liveness and readiness are probes, like /actuator/health
            return settings.healthNeedsKey() ? Set.of() : null;
        }
        if (path.startsWith("/api/") || path.startsWith("/v2")) {
            return Set.of();
        }
        if (path.startsWith("/actuator/health")) {
            return settings.healthNeedsKey() ? Set.of() : null;
        }
        if (path.startsWith("/actuator")) {
            return settings.metricsNeedsKey() ? EnumSet.of(Role.ADMIN) : null;
        }
        return null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean fromWarmUp = warmUp.matches(request.getHeader(WarmUpCaller.HEADER));
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String key = keyOf(request);
        KeyCheck.Verdict verdict = check.check(key, fromWarmUp ? WarmUpCaller.CALLER : null,
                rolesFor(request.getMethod(), path), path);
        if (!verdict.admitted()) {
            refuse(request, response, path, key, verdict);
            return;
        }
        chain.doFilter(new CallerRequest(request, verdict.caller()), response);
    }

    private static String keyOf(HttpServletRequest request) {
        return KeyCheck.keyFrom(request.getHeader("X-API-Key"), request.getHeader("Authorization"));
    }

    /** The refusal, with the client's request id or a new one (made only here: most requests pass). */
    private void refuse(HttpServletRequest request, HttpServletResponse response, String path, String key,
            KeyCheck.Verdict refusal) throws IOException {
        String requestId = HttpExchanges.requestIdFor(request.getHeader(HttpExchanges.REQUEST_ID));
        events.refused(refusal.reason(), refusal.status(), "http", refusal.holder(), request.getRemoteAddr(), key,
                request.getMethod() + " " + path, requestId, refusal.message());
        if (refusal.status() == 401) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"model-api\"");
        }
        if (refusal.retryAfter() != null) {
            response.setHeader("Retry-After", Long.toString(Math.max(1, refusal.retryAfter().toSeconds())));
        }
        answers.writeError(response, path, requestId, refusal.status(), refusal.code(), refusal.message());
    }

    /** The request as the routes see it: the caller's name, models and address as headers only this filter sets. */
    static final class CallerRequest extends HttpServletRequestWrapper {

        private final Caller caller;

        CallerRequest(HttpServletRequest request, Caller caller) {
            super(request);
            this.caller = caller;
        }

        @Override
        public String getHeader(String name) {
            if (WarmUpCaller.HEADER.equalsIgnoreCase(name)) {
                return null;
            }
            if (PRINCIPAL_HEADER.equalsIgnoreCase(name)) {
                return caller.name();
            }
            if (MODELS_HEADER.equalsIgnoreCase(name)) {
                return String.join(",", caller.models());
            }
            if (SecurityEvents.CLIENT_HEADER.equalsIgnoreCase(name)) {
                return getRemoteAddr();
            }
            return super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (PRINCIPAL_HEADER.equalsIgnoreCase(name) || MODELS_HEADER.equalsIgnoreCase(name)
                    || SecurityEvents.CLIENT_HEADER.equalsIgnoreCase(name)) {
                return Collections.enumeration(List.of(getHeader(name)));
            }
            if (WarmUpCaller.HEADER.equalsIgnoreCase(name)) {
                return Collections.emptyEnumeration();
            }
            return super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = new ArrayList<>();
            for (Enumeration<String> e = super.getHeaderNames(); e.hasMoreElements(); ) {
                String name = e.nextElement();
                if (!PRINCIPAL_HEADER.equalsIgnoreCase(name) && !MODELS_HEADER.equalsIgnoreCase(name)
                        && !SecurityEvents.CLIENT_HEADER.equalsIgnoreCase(name)
                        && !WarmUpCaller.HEADER.equalsIgnoreCase(name)) {
                    names.add(name);
                }
            }
            names.add(PRINCIPAL_HEADER);
            names.add(MODELS_HEADER);
            names.add(SecurityEvents.CLIENT_HEADER);
            return Collections.enumeration(names);
        }
    }
}
