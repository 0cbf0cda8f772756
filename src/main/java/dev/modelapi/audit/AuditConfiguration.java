package dev.modelapi.audit;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** Wires the audit writer and queries to Boot's DataSource, which Flyway has migrated before they run. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
class AuditConfiguration {

    @Bean
    AuditWriter auditWriter(JdbcTemplate jdbcTemplate, AuditProperties settings, MeterRegistry meters) {
        return new AuditWriter(jdbcTemplate, settings, meters);
    }

    @Bean
    AuditQueries auditQueries(JdbcTemplate jdbcTemplate) {
        return new AuditQueries(jdbcTemplate);
    }
}
