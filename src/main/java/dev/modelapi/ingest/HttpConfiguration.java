package dev.modelapi.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.catalina.core.StandardHost;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The platform-http engine of every HTTP route (it replaces the Spring Boot starter's own), and the
 * servlet container's error answers in the service's JSON shape.
 */
@Configuration(proxyBeanMethods = false)
class HttpConfiguration {

    /** Named as platform-http looks its engine up in the registry. */
    @Bean(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    PlatformHttpEngine asyncPlatformHttpEngine(@Value("${server.port:8080}") int port, ApiProperties api,
            @Value("${spring.mvc.async.request-timeout:11m}") Duration asyncTimeout, Answers answers,
            MeterRegistry meters) {
        return new AsyncPlatformHttpEngine(port, api.maxInFlight(), asyncTimeout, api.maxBodySize().toBytes(), answers,
                meters);
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
