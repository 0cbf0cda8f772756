package dev.modelapi.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.ConfigurationPropertiesBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;

/**
 * Settings mean what the seed means: a unit-less TTL or retention is seconds ({@code CACHE_TTL=3600}
 * is an hour), units still work, a retention that can only be a forgotten unit is refused, and the
 * bound values are what the start-up log shows.
 */
class SettingsMeaningTest {

    final ApplicationContextRunner settings = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as the service reads it
            .withUserConfiguration(EverySetting.class);

    /** Every settings record of the service, bound as the application binds them. */
    @ConfigurationPropertiesScan("dev.modelapi")
    static class EverySetting {
    }

    @Test
    void shouldReadAUnitlessCacheTtlAsSecondsAsTheSeedDoes() {
        settings.withPropertyValues("modelapi.cache.ttl=3600", "modelapi.idempotency.ttl=86400").run(context -> {
            List<String> lines = EffectiveSettings.lines(ConfigurationPropertiesBean.getAll(context).values());
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("modelapi.cache: ").contains("ttl=1h"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("modelapi.idempotency: ").contains("ttl=1d"));
        });
    }

    @Test
    void shouldStillTakeUnits() {
        settings.withPropertyValues("modelapi.cache.ttl=30m", "modelapi.audit.retention=365d").run(context -> {
            List<String> lines = EffectiveSettings.lines(ConfigurationPropertiesBean.getAll(context).values());
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("modelapi.cache: ").contains("ttl=30m"));
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("modelapi.audit: ").contains("retention=365d"));
        });
    }

    @Test
    void shouldRefuseARetentionThatCanOnlyBeAForgottenUnit() {
        settings.withPropertyValues("modelapi.audit.retention=365").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("modelapi.audit")
                    .hasMessageContaining("a bare number is seconds");
        });
        settings.withPropertyValues("modelapi.audit.retention=0").run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void shouldHideSecretsInTheLoggedSettings() {
        settings.withPropertyValues("modelapi.jms.acceptor.user=ops", "modelapi.jms.acceptor.password=hunter2").run(context -> {
            List<String> lines = EffectiveSettings.lines(ConfigurationPropertiesBean.getAll(context).values());
            assertThat(String.join("\n", lines)).doesNotContain("hunter2");
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("modelapi.jms: ")
                    .contains("acceptor.password=" + EffectiveSettings.HIDDEN));
        });
    }

    @Test
    void shouldFormatDurationsInTheirLargestWholeUnit() {
        assertThat(EffectiveSettings.format(Duration.ofSeconds(3600))).isEqualTo("1h");
        assertThat(EffectiveSettings.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(EffectiveSettings.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(EffectiveSettings.format(Duration.ZERO)).isEqualTo("0");
    }
}
