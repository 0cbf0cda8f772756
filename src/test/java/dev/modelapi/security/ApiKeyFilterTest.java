package dev.modelapi.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

/** Which paths need which role, with health and metrics open or behind a key. */
class ApiKeyFilterTest {

    static ApiKeyFilter filter(boolean healthNeedsKey, boolean metricsNeedsKey) {
        SecurityProperties settings = new SecurityProperties(true, List.of(), 50, healthNeedsKey, metricsNeedsKey,
                Duration.ofSeconds(30));
        return new ApiKeyFilter(settings, null, null, new WarmUpCaller(), null);
    }

    @Test
    void shouldAskEachPathForItsRole() {
        ApiKeyFilter filter = filter(false, false);

        assertThat(filter.rolesFor("POST", "/api/v1/predict")).containsExactly(Role.PREDICT);
        assertThat(filter.rolesFor("POST", "/api/v1/predict/batch")).containsExactly(Role.PREDICT);
        assertThat(filter.rolesFor("GET", "/api/v1/models")).isEmpty(); // any valid key
        assertThat(filter.rolesFor("POST", "/api/v1/models/spam-roberta/load")).containsExactly(Role.ADMIN);
        assertThat(filter.rolesFor("GET", "/api/v1/audit/events")).containsExactly(Role.AUDITOR);
        assertThat(filter.rolesFor("GET", "/api/v1/cache")).containsExactly(Role.ADMIN);
        assertThat(filter.rolesFor("DELETE", "/api/v1/cache/models/spam-roberta/versions/1")).containsExactly(Role.ADMIN);
        assertThat(filter.rolesFor("GET", "/api/v1/cacheless")).isEmpty();
        assertThat(filter.rolesFor("POST", "/v2/models/spam-roberta/infer")).containsExactly(Role.PREDICT);
        assertThat(filter.rolesFor("GET", "/api/v1/anything-else")).isEmpty();
        assertThat(filter.rolesFor("GET", "/actuator/health")).isNull();
        assertThat(filter.rolesFor("GET", "/v2/health/ready")).isNull();
        assertThat(filter.rolesFor("GET", "/v2/models/spam-roberta")).isEmpty();
        assertThat(filter.rolesFor("GET", "/actuator/prometheus")).isNull();
        assertThat(filter.rolesFor("GET", "/")).isNull();
    }

    @Test
    void shouldPutHealthAndMetricsBehindAKeyWhenConfigured() {
        ApiKeyFilter filter = filter(true, true);

        assertThat(filter.rolesFor("GET", "/actuator/health/readiness")).isEqualTo(Set.of());
        assertThat(filter.rolesFor("GET", "/v2/health/live")).isEqualTo(Set.of());
        assertThat(filter.rolesFor("GET", "/actuator/prometheus")).containsExactly(Role.ADMIN);
    }

    @Test
    void theDocumentedDevelopmentKeyIsTheOneConfigured() {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yaml"));
        Properties properties = yaml.getObject();

        assertThat(properties.getProperty("modelapi.security.keys[0].sha256"))
                .isEqualTo(ApiKeys.sha256("modelapi-dev-key"));
        assertThat(properties.getProperty("modelapi.security.keys[0].name")).isEqualTo("development");
    }
}
