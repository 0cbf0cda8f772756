package dev.modelapi.warmup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.audit.AuditWarmUp;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.security.WarmUpCaller;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The start-up warm-up, and its health indicator {@code warmUp} in the readiness group. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WarmUpProperties.class)
class WarmUpConfiguration {

    /** Its rows in the audit's in-memory database, if written, are gone within this once its requests are answered. */
    private static final Duration FORGET_AUDIT_ROWS_WITHIN = Duration.ofSeconds(10);

    @Bean
    WarmUp warmUp(WarmUpProperties settings, ServerProperties server, WarmUpCaller caller, ObjectMapper json,
            MeterRegistry meters, ModelRegistry models, ObjectProvider<AuditWarmUp> audit) {
        return new WarmUp(settings, server, caller, json, meters, auditRows(audit.getIfAvailable()), () -> {
            System.gc();
            models.trimNativeHeap();
        });
    }

    static WarmUp.AuditRows auditRows(AuditWarmUp audit) {
        return audit == null ? WarmUp.AuditRows.NONE : new WarmUp.AuditRows() {
            @Override
            public void begin() {
                audit.begin();
            }

            @Override
            public void forget(long texts) {
                audit.forgetRows(texts, FORGET_AUDIT_ROWS_WITHIN);
            }
        };
    }
}
