package dev.modelapi.ingest;

import dev.modelapi.model.ThreadNice;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.catalina.core.StandardHost;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcRegistrations;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.validation.method.MethodValidator;
import org.springframework.web.filter.CorsFilter;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;
import org.springframework.context.annotation.Configuration;

/**
 * The platform-http engine of every HTTP route (it replaces the Spring Boot starter's own), the
 * servlet container's error answers in the service's JSON shape, and CORS for browser clients.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CorsProperties.class)
class HttpConfiguration {

    /**
     * Cross-origin requests, when {@code modelapi.cors.allowed-origins} names any: a filter ahead of
     * the key check ({@code ApiKeyFilter}), so a browser's preflight ({@code OPTIONS} with
     * {@code Access-Control-Request-Method}, which carries no key) is answered here, and every answer
     * to an allowed origin, errors included, carries the {@code Access-Control-*} headers a page
     * needs to read it. A request from an origin not allowed gets a 403 and reaches nothing.
     */
    @Bean
    FilterRegistrationBean<CorsFilter> corsFilter(CorsProperties settings) {
        UrlBasedCorsConfigurationSource paths = new UrlBasedCorsConfigurationSource();
        if (settings.enabled()) {
            CorsConfiguration cors = new CorsConfiguration();
            settings.allowedOrigins().stream().filter(o -> !o.isBlank()).map(String::trim)
                    .forEach(cors::addAllowedOriginPattern);
            cors.setAllowedMethods(settings.allowedMethods());
            cors.setAllowedHeaders(settings.allowedHeaders());
            cors.setExposedHeaders(settings.exposedHeaders());
            cors.setMaxAge(settings.maxAge());
            cors.setAllowCredentials(settings.allowCredentials());
            paths.registerCorsConfiguration("/api/**", cors);
            paths.registerCorsConfiguration("/v2/**", cors);
            paths.registerCorsConfiguration("/v2", cors);
        }
        FilterRegistrationBean<CorsFilter> filter = new FilterRegistrationBean<>(new CorsFilter(paths));
        filter.setOrder(Ordered.HIGHEST_PRECEDENCE + 10); // before ApiKeyFilter (+20)
        filter.setEnabled(settings.enabled()); // no origin named: not in the chain at all
        return filter;
    }

    /** Named as platform-http looks its engine up in the registry. */
    @Bean(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    PlatformHttpEngine asyncPlatformHttpEngine(@Value("${server.port:8080}") int port, ApiProperties api,
            @Value("${spring.mvc.async.request-timeout:11m}") Duration asyncTimeout, Answers answers,
            MeterRegistry meters) {
        return new AsyncPlatformHttpEngine(port, api.maxInFlight(), asyncTimeout, api.maxBodySize().toBytes(), answers,
                meters);
    }

    /**
     * Requests to a route's exact path go to its consumer without Spring MVC's dispatch
     * ({@link RouteDispatchFilter}): the last filter, after the form-body guard.
     */
    @Bean
    FilterRegistrationBean<RouteDispatchFilter> routeDispatchFilter(PlatformHttpEngine engine) {
        FilterRegistrationBean<RouteDispatchFilter> filter = new FilterRegistrationBean<>(
                new RouteDispatchFilter((AsyncPlatformHttpEngine) engine));
        filter.setOrder(Ordered.LOWEST_PRECEDENCE);
        return filter;
    }

    /** The request threads' nice value ({@link RequestThreadNice}); none with {@code modelapi.worker-thread-nice} 0. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> requestThreadNice(
            @Value("${" + ThreadNice.SETTING + ":" + ThreadNice.DEFAULT + "}") int nice, MeterRegistry meters) {
        int checked = ThreadNice.checked(nice);
        // the customizer (a singleton bean) keeps the count alive for the meter, which holds it weakly
        AtomicLong reniced = new AtomicLong();
        ThreadNice.meter(meters, "http", reniced, AtomicLong::get);
        return factory -> {
            if (checked > 0) {
                factory.addEngineValves(new RequestThreadNice(checked, reniced));
            }
        };
    }

    @Bean
    HttpThreadMetrics httpThreadMetrics(MeterRegistry meters) {
        return new HttpThreadMetrics(meters);
    }

    /**
     * Spring MVC without method validation. Its handler adapter asks the method validator for the
     * validation groups of every handler call, an uncached annotation search on the handler's method
     * and class per request (0.35 % of an uncached run's CPU samples, docs/performance.md), while no
     * handler of the service has a constrained parameter: every HTTP API is a Camel route behind
     * one platform-http handler, and request bodies are checked by the routes' own beans.
     */
    @Bean
    WebMvcRegistrations noMethodValidation() {
        return new WebMvcRegistrations() {
            @Override
            public RequestMappingHandlerAdapter getRequestMappingHandlerAdapter() {
                return new WithoutMethodValidation();
            }
        };
    }

    /** The handler adapter whose handler calls get no method validator, whatever the MVC configuration sets. */
    static final class WithoutMethodValidation extends RequestMappingHandlerAdapter {
        @Override
        protected ServletInvocableHandlerMethod createInvocableHandlerMethod(HandlerMethod handlerMethod) {
            return new ServletInvocableHandlerMethod(handlerMethod) {
                @Override
                public void setMethodValidator(MethodValidator methodValidator) {
                    super.setMethodValidator(null);
                }
            };
        }
    }

    /**
     * Tomcat's error report as JSON ({@link JsonErrorReportValve}): what Tomcat refuses before
     * Spring sees it (oversized headers or URL, an unparsable request line) would otherwise get
     * its HTML page. Spring Boot adds Tomcat's own valve to the host; ours runs after the request
     * and writes first, so Tomcat's finds the answer written and stays quiet.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
        });
    }
}
