package dev.modelapi.audit;

import dev.modelapi.pii.PiiDetector;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/** Wires the audit writer and queries to Boot's DataSource, which Flyway has migrated before they run. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
class AuditConfiguration {

    @Bean
    AuditWriter auditWriter(JdbcTemplate jdbcTemplate, AuditProperties settings, MeterRegistry meters) {
        return new AuditWriter(jdbcTemplate, settings, meters);
    }

    @Bean
    AuditSpool auditSpool(AuditProperties settings, AuditWriter auditWriter) {
        return new AuditSpool(settings.spoolDirectory(), auditWriter);
    }

    @Bean
    AuditRecords auditRecords(AuditProperties settings, MeterRegistry meters) {
        return new AuditRecords(new PiiDetector(), settings.textStorage(), meters);
    }

    @Bean
    AuditSink auditSink(AuditWriter auditWriter, AuditSpool auditSpool, AuditRecords auditRecords, MeterRegistry meters) {
        Gauge.builder("modelapi.audit.spool.rows", auditSpool, AuditSpool::pendingRows)
                .description("Audit rows waiting on disk for the database").register(meters);
        return new AuditSink(auditWriter, auditSpool, auditRecords);
    }

    @Bean
    AuditRetention auditRetention(JdbcTemplate jdbcTemplate, PlatformTransactionManager transactionManager,
            AuditProperties settings, @Value("${spring.datasource.url:}") String datasourceUrl, MeterRegistry meters) {
        return new AuditRetention(jdbcTemplate, transactionManager, settings, datasourceUrl.startsWith("jdbc:h2:mem:"),
                meters);
    }

    @Bean
    AuditReports auditReports(JdbcTemplate jdbcTemplate, AuditProperties settings) {
        return new AuditReports(jdbcTemplate, settings.exportMaxRows());
    }

    @Bean
    AuditQueries auditQueries(JdbcTemplate jdbcTemplate) {
        return new AuditQueries(jdbcTemplate);
    }
}
