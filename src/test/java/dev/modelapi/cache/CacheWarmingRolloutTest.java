package dev.modelapi.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.testsupport.ModelsApi;
import dev.modelapi.testsupport.TestFiles;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A rollout with the real model: callers ask some texts of spam-distilbert's default version 1,
 * version 2 is loaded and made the default, and the texts asked most are answered by version 2 in
 * the background before any caller asks again: the next caller gets them from the cache, answered
 * by version 2. A text kept but past max-texts, and a text never asked, still miss.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.cache.warming.max-texts=2", "modelapi.cache.warming.texts-per-second=20",
                "modelapi.models.workers-per-model=1"})
class CacheWarmingRolloutTest {

    static final String MODEL = "spam-distilbert";
    static final Path REPOSITORY = TestFiles.repositoryWith(MODEL, "1");

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("modelapi.models.directory", REPOSITORY::toString);
    }

    JsonNode predict(String text) throws Exception {
        ResponseEntity<String> response = ModelsApi.post(http, json, "/api/v1/predict",
                Map.of("text", text, "models", List.of(MODEL)));
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }

    double warmed() {
        return meters.get("modelapi.cache.warming.texts").tag("outcome", "answered").counter().count();
    }

    @Test
    void shouldAnswerTheMostAskedTextsWithTheNewDefaultBeforeCallersAskAgain() throws Exception {
        String often = "Subject: WIN a FREE cruise " + UUID.randomUUID() + "\n\nClaim your prize now!";
        String twice = "Subject: minutes " + UUID.randomUUID() + "\n\nThe meeting moved to Thursday.";
        String once = "Subject: lunch " + UUID.randomUUID() + "\n\nSee you at noon.";
        for (int i = 0; i < 3; i++) {
            predict(often);
        }
        predict(twice);
        predict(twice);
        predict(once);
        assertThat(predict(often).get("models").get(0).get("version").asText()).isEqualTo("1");

        TestFiles.copyDirectory(REPOSITORY.resolve(MODEL).resolve("1"), REPOSITORY.resolve(MODEL).resolve("2"));
        assertThat(ModelsApi.post(http, json, "/api/v1/models/" + MODEL + "/load", Map.of("version", "2"))
                .getStatusCode().value()).isEqualTo(200);
        double before = warmed();
        assertThat(ModelsApi.post(http, json, "/api/v1/models/" + MODEL + "/default", Map.of("version", "2"))
                .getStatusCode().value()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> warmed() - before >= 2);

        JsonNode warmedOften = predict(often);
        assertThat(warmedOften.get("cached").asBoolean()).as("warmed before the caller asked").isTrue();
        assertThat(warmedOften.get("models").get(0).get("version").asText()).isEqualTo("2");
        assertThat(predict(twice).get("cached").asBoolean()).isTrue();
        assertThat(predict(once).get("cached").asBoolean()).as("past max-texts (2): not warmed").isFalse();
        assertThat(predict("Subject: never asked " + UUID.randomUUID()).get("cached").asBoolean()).isFalse();
        assertThat(warmed() - before).isEqualTo(2);
    }
}
