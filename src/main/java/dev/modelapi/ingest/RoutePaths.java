package dev.modelapi.ingest;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The started platform-http consumers by path, to find the one a request's path goes to as Spring
 * MVC's handler mapping would ({@link RouteDispatchFilter}): a path no template variable names
 * first ({@code /api/v1/predict}), then the most specific template that matches
 * ({@code /v2/models/{model}/infer}; {@code /api/v1/models/{name}/drift} before
 * {@code /api/v1/models/{name}/{command}}), by Spring's own {@link PathPattern#SPECIFICITY_COMPARATOR}
 * on patterns its default parser makes. Where Spring MVC might decide otherwise, none is found and
 * Spring MVC decides: two templates equally specific (Spring MVC's "ambiguous handler"), and any
 * template at all while a consumer matches by prefix or wildcard ({@code /files/*}, or
 * {@code matchOnUriPrefix}), whose mapping this class does not model.
 *
 * @param <C> the consumer
 */
final class RoutePaths<C> {

    private record Template<C>(PathPattern pattern, C consumer) {}

    private final Map<String, C> exact = new ConcurrentHashMap<>();
    private final Map<String, Template<C>> templates = new ConcurrentHashMap<>();
    /** Consumers started on a wildcard or prefix path, which turn the template look-up off. */
    private final Set<C> unmodelled = ConcurrentHashMap.newKeySet();

    /** How a path is matched: exactly, as a template, or not here (a wildcard or a prefix). */
    enum Kind { EXACT, TEMPLATE, UNMODELLED }

    static Kind kindOf(String path, boolean matchOnUriPrefix) {
        if (path == null || !path.startsWith("/") || matchOnUriPrefix || path.indexOf('*') >= 0) {
            return Kind.UNMODELLED;
        }
        return path.indexOf('{') < 0 ? Kind.EXACT : Kind.TEMPLATE;
    }

    /** A consumer started on {@code path}; a reloaded route's new consumer replaces the old. */
    void add(String path, boolean matchOnUriPrefix, C consumer) {
        switch (kindOf(path, matchOnUriPrefix)) {
            case EXACT -> exact.put(path, consumer);
            case TEMPLATE -> templates.put(path, new Template<>(PathPatternParser.defaultInstance.parse(path), consumer));
            case UNMODELLED -> unmodelled.add(consumer);
        }
    }

    /** The consumer on {@code path} stopped (or never started); another that replaced it stays. */
    void remove(String path, boolean matchOnUriPrefix, C consumer) {
        switch (kindOf(path, matchOnUriPrefix)) {
            case EXACT -> exact.remove(path, consumer);
            case TEMPLATE -> templates.computeIfPresent(path, (p, t) -> t.consumer() == consumer ? null : t);
            case UNMODELLED -> unmodelled.remove(consumer);
        }
    }

    /** What a request's path (within the application, as sent, not decoded) goes to, or null to let Spring MVC decide. */
    Match<C> find(String path) {
        C consumer = exact.get(path);
        if (consumer != null) {
            return new Match<>(consumer, path);
        }
        if (templates.isEmpty() || !unmodelled.isEmpty()) {
            return null;
        }
        PathContainer container = PathContainer.parsePath(path);
        Template<C> best = null;
        boolean tied = false;
        for (Template<C> template : templates.values()) {
            if (!template.pattern().matches(container)) {
                continue;
            }
            int order = best == null ? -1 : PathPattern.SPECIFICITY_COMPARATOR.compare(template.pattern(), best.pattern());
            if (order < 0) {
                best = template;
                tied = false;
            } else if (order == 0) {
                tied = true;
            }
        }
        return best == null || tied ? null : new Match<>(best.consumer(), best.pattern().getPatternString());
    }

    /** A consumer found, and the path pattern it was found by (the {@code uri} a request is observed under). */
    record Match<C>(C consumer, String pattern) {}
}
