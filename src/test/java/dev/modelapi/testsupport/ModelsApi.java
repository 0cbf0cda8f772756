package dev.modelapi.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** The calls the model manager's HTTP tests make: JSON posts, and one version out of a model's description. */
public final class ModelsApi {

    private ModelsApi() {
    }

    public static ResponseEntity<String> post(TestRestTemplate http, ObjectMapper json, String path, Object body)
            throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return http.postForEntity(path, new HttpEntity<>(json.writeValueAsString(body), headers), String.class);
    }

    /** The entry of {@code version} in a model's {@code versions}; fails the test when there is none. */
    public static JsonNode versionOf(JsonNode model, String version) {
        for (JsonNode v : model.get("versions")) {
            if (v.get("version").asText().equals(version)) {
                return v;
            }
        }
        throw new AssertionError("no version " + version + " in " + model);
    }
}
