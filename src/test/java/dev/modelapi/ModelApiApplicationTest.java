package dev.modelapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.model.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ModelApiApplicationTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ModelRegistry registry;

    @Test
    void shouldStartWithTheDemoModelsLoadedAndReportThemInHealth() {
        ResponseEntity<String> health = http.getForEntity("/actuator/health", String.class);

        assertThat(registry.all()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(registry.failures()).isEmpty();
        assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(health.getBody()).contains("\"status\":\"UP\"", "spam-distilbert:1", "spam-roberta:1");
    }
}
