package dev.modelapi.ingest;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.filter.ServerHttpObservationFilter;

/**
 * The last filter of the chain: a POST to a platform-http route's path (the prediction endpoints,
 * {@code /v2/models/{model}/infer} and every other route path, by the mapping Spring MVC would
 * choose: {@link RoutePaths}) goes straight to that route's consumer
 * ({@link AsyncPlatformHttpEngine}), as Spring MVC would send it, without
 * Spring MVC's dispatch around it: the handler lookup over every mapping, the handler adapter's
 * argument and return-value handling, the request-handled event. That dispatch was a tenth of
 * the request thread's CPU on an uncached prediction and about 7 % of a cache hit's allocation
 * (docs/performance.md). Every filter before it runs as before (observation, CORS, the key check,
 * the form-body guard, Spring's request context), and the request is observed under the route's
 * path as Spring MVC would name it ({@code uri} of {@code http_server_requests}).
 *
 * <p>Anything else continues down the chain to Spring MVC unchanged: any other method (Spring MVC
 * maps the standard ones to the route, answers HEAD without a body and a method it does not know
 * 405), a path two route templates match equally well, a path spelled any other way
 * (percent-encoded, a path parameter, a trailing slash: Spring MVC decides those as before), a
 * multipart body (Spring MVC parses its parts), and every path no route has. Past
 * {@code max-in-flight} the consumer itself answers 503 either way.
 */
public final class RouteDispatchFilter extends OncePerRequestFilter {

    private final AsyncPlatformHttpEngine engine;
    private final LongAdder dispatched = new LongAdder();

    RouteDispatchFilter(AsyncPlatformHttpEngine engine) {
        this.engine = engine;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = "POST".equals(request.getMethod()) && !isMultipart(request) ? pathOf(request) : null;
        RoutePaths.Match<AsyncPlatformHttpEngine.Consumer> match = path == null ? null : engine.consumerFor(path);
        if (match == null) {
            chain.doFilter(request, response);
            return;
        }
        // what Spring MVC's mapping sets for a matched path that anything reads: the observation's uri tag
        // (Camel takes a template's variables from the path itself: SpringBootPlatformHttpBinding)
        ServerHttpObservationFilter.findObservationContext(request)
                .ifPresent(context -> context.setPathPattern(match.pattern()));
        dispatched.increment();
        match.consumer().service(request, response);
    }

    /** Requests handed to a route's consumer here so far (the rest went on to Spring MVC). */
    public long dispatched() {
        return dispatched.sum();
    }

    /** The request's path within the application, as sent (not decoded), or null if it is not under the context path. */
    static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        if (uri == null || !uri.startsWith(context) || uri.indexOf(';') >= 0 || uri.indexOf('%') >= 0) {
            return null; // path parameters and percent-encoding: Spring MVC's decoding decides
        }
        return uri.substring(context.length());
    }

    private static boolean isMultipart(HttpServletRequest request) {
        String type = request.getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/");
    }
}
