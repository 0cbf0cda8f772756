package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.method.MethodValidator;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/** Every kind of bad input gets a 4xx with the one JSON error shape and a request id; never a 5xx. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.api.max-batch-texts=3", "modelapi.sanitize.max-text-size=1KB",
                "modelapi.api.max-body-size=4KB"})
class PredictionErrorsTest {

    @Autowired
    TestRestTemplate http;

    @Autowired
    ObjectMapper json;

    @Autowired
    RequestMappingHandlerAdapter handlerAdapter;

    /**
     * The checks this class asserts are the routes' own: Spring MVC's method validation, an
     * annotation search per request that no handler of the service needs, is off; a handler call
     * never asks a method validator for its groups.
     */
    @Test
    void shouldLeaveInputChecksToTheRoutesNotToSpringMvcsMethodValidation() throws Exception {
        assertThat(handlerAdapter).isInstanceOf(HttpConfiguration.WithoutMethodValidation.class);
        AtomicInteger asked = new AtomicInteger();
        MethodValidator validator = (MethodValidator) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MethodValidator.class}, (proxy, method, args) -> {
                    asked.incrementAndGet();
                    return new Class<?>[0];
                });
        var handler = new HandlerMethod(this, getClass().getDeclaredMethod("badRequests"));

        ((HttpConfiguration.WithoutMethodValidation) handlerAdapter).createInvocableHandlerMethod(handler)
                .setMethodValidator(validator);

        assertThat(asked).hasValue(0);
    }

    static List<Arguments> badRequests() {
        String json = "application/json";
        return List.of(
                Arguments.of("/api/v1/predict", json, "{\"text\": ", 400, "malformed_json"),
                Arguments.of("/api/v1/predict", json, "[1, 2]", 400, "malformed_json"),
                Arguments.of("/api/v1/predict", json, "", 400, "empty_body"),
                Arguments.of("/api/v1/predict", json, "{\"texts\": [\"a\"]}", 400, "missing_text"),
                Arguments.of("/api/v1/predict", json, "{\"text\": 42}", 400, "invalid_text"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"  \\u200b \"}", 400, "empty_text"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"" + "x".repeat(2000) + "\"}", 400, "text_too_large"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"" + "x".repeat(5000) + "\"}", 413, "body_too_large"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"models\": [\"no-such-model\"]}", 404, "unknown_model"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"models\": [\"spam-roberta:99\"]}", 404, "unknown_model"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"models\": \"spam-roberta\"}", 400, "invalid_models"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"ensemble\": {\"method\": \"median\"}}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json,
                        "{\"text\": \"hi\", \"ensemble\": {\"method\": \"weighted\", \"weights\": {\"spam-roberta\": -1}}}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"ensemble\": \"no-such-ensemble\"}", 404, "unknown_ensemble"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"ensemble\": 5}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"ensemble\": {\"quorum\": 1.5}}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"ensemble\": {\"quorum\": 0}}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"ensemble\": {\"method\": \"SOFT\"}}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json, "{\"text\": \"hi\", \"ensemble\": {\"method\": 1}}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json,
                        "{\"text\": \"hi\", \"ensemble\": {\"weights\": {\"not-in-it\": -1}}}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", json,
                        "{\"text\": \"hi\", \"models\": [\"spam-roberta\"], \"ensemble\": \"spam-default\"}", 400, "invalid_ensemble"),
                Arguments.of("/api/v1/predict", "text/plain", "{\"text\": \"hi\"}", 415, "unsupported_media_type"),
                Arguments.of("/api/v1/predict", "application/x-www-form-urlencoded", "{\"text\": \"hi\"}", 415, "unsupported_media_type"),
                Arguments.of("/api/v1/predict", null, "{\"text\": \"hi\"}", 415, "unsupported_media_type"),
                Arguments.of("/api/v1/predict/batch", json, "{\"texts\": [\"a\", \"b\", \"c\", \"d\"]}", 400, "too_many_texts"),
                Arguments.of("/api/v1/predict/batch", json, "{\"texts\": []}", 400, "invalid_texts"),
                Arguments.of("/api/v1/predict/batch", json, "{\"texts\": [\"a\", 7]}", 400, "invalid_texts"),
                // a NUL is flagged as binary by default, then stripped: nothing is left
                Arguments.of("/api/v1/predict/batch", json, "{\"texts\": [\"ok\", \"\\u0000\"]}", 400, "empty_text"),
                Arguments.of("/api/v1/predict/batch", json, "{\"text\": \"a\"}", 400, "missing_texts"));
    }

    @ParameterizedTest(name = "{0} {1} {4}")
    @MethodSource("badRequests")
    void shouldAnswerBadInputWithA4xxJsonError(String path, String contentType, String body, int status, String code)
            throws Exception {
        HttpHeaders headers = new HttpHeaders();
        if (contentType != null) {
            headers.set(HttpHeaders.CONTENT_TYPE, contentType);
        }

        ResponseEntity<String> response = http.exchange(path, HttpMethod.POST, new HttpEntity<>(body, headers), String.class);

        assertError(response, status, code);
    }

    /** The request records' binding and validation: each wrong field named in words a caller can act on. */
    static List<Arguments> wrongFields() {
        return List.of(
                Arguments.of("/api/v1/predict", "{\"text\": null}", "missing_text", "the request has no \"text\""),
                Arguments.of("/api/v1/predict", "{\"text\": true}", "invalid_text", "\"text\" must be a string"),
                Arguments.of("/api/v1/predict", "{\"text\": [\"hi\"]}", "invalid_text", "\"text\" must be a string"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"models\": [5]}", "invalid_models",
                        "\"models\" must hold model names"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"models\": [\" \"]}", "invalid_models",
                        "\"models\" must hold model names"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"models\": \"spam-roberta\"}", "invalid_models",
                        "\"models\" must be an array of model names"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": 5}", "invalid_ensemble",
                        "\"ensemble\" must be an ensemble's name or an object"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"name\": \" \"}}", "invalid_ensemble",
                        "\"ensemble.name\" must be a name"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"method\": \"median\"}}",
                        "invalid_ensemble", "\"ensemble.method\" must be one of [soft, hard, weighted]"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"quorum\": \"2\"}}", "invalid_ensemble",
                        "\"ensemble.quorum\" must be a whole number"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"quorum\": 99999999999}}",
                        "invalid_ensemble", "\"ensemble.quorum\" must be a whole number"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"weights\": [1]}}", "invalid_ensemble",
                        "\"ensemble.weights\" must map model names to numbers"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"weights\": {\"spam-roberta\": \"1\"}}}",
                        "invalid_ensemble", "the weight of spam-roberta must be a number of 0 or more"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"weights\": {\"spam-roberta\": 1e999}}}",
                        "invalid_ensemble", "the weight of spam-roberta must be a number of 0 or more"),
                Arguments.of("/api/v1/predict", "{\"text\": \"hi\", \"ensemble\": {\"weights\": {\"spam-roberta\": -0.5}}}",
                        "invalid_ensemble", "the weight of spam-roberta must be a number of 0 or more"),
                Arguments.of("/api/v1/predict/batch", "{\"texts\": [\"a\", 7]}", "invalid_texts", "texts[1] is not a string"),
                Arguments.of("/api/v1/predict/batch", "{\"texts\": [\"a\", null]}", "invalid_texts", "texts[1] is not a string"),
                Arguments.of("/api/v1/predict/batch", "{\"texts\": \"a\"}", "invalid_texts",
                        "\"texts\" must be a non-empty array of strings"),
                Arguments.of("/api/v1/predict/batch", "{\"texts\": []}", "invalid_texts",
                        "\"texts\" must be a non-empty array of strings"),
                Arguments.of("/api/v1/predict/batch", "{\"texts\": null}", "missing_texts", "the request has no \"texts\""));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("wrongFields")
    void shouldNameTheWrongFieldInTheError(String path, String body, String code, String message) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");

        ResponseEntity<String> response = http.exchange(path, HttpMethod.POST, new HttpEntity<>(body, headers), String.class);

        assertThat(assertError(response, 400, code).get("message").asText()).isEqualTo(message);
    }

    @Test
    void shouldAcceptEveryVoteTheEnsemblesHave() {
        jakarta.validation.Validator validator = jakarta.validation.Validation.buildDefaultValidatorFactory().getValidator();
        for (dev.modelapi.ensemble.EnsembleMethod method : dev.modelapi.ensemble.EnsembleMethod.values()) {
            assertThat(validator.validate(new PredictRequest.Ensemble(null, method.wireName(), null, null))).as(method.name())
                    .isEmpty();
        }
        assertThat(PredictRequests.METHODS).as("the method's message lists them all")
                .containsExactly("soft", "hard", "weighted");
    }

    @Test
    void shouldRefuseARequestIdThatCannotBeEchoedSafely() throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        headers.set("X-Request-ID", "bad id with spaces");

        ResponseEntity<String> response = http.exchange("/api/v1/predict", HttpMethod.POST,
                new HttpEntity<>("{\"text\": \"hi\"}", headers), String.class);

        assertError(response, 400, "invalid_request_id");
        assertThat(response.getHeaders().getFirst("X-Request-ID")).isNotEqualTo("bad id with spaces");
    }

    @Test
    void shouldEchoTheCallersRequestIdInTheError() throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        headers.set("X-Request-ID", "caller-42");

        ResponseEntity<String> response = http.exchange("/api/v1/predict", HttpMethod.POST,
                new HttpEntity<>("{\"text\": ", headers), String.class);

        JsonNode error = assertError(response, 400, "malformed_json");
        assertThat(error.get("requestId").asText()).isEqualTo("caller-42");
        assertThat(response.getHeaders().getFirst("X-Request-ID")).isEqualTo("caller-42");
    }

    @Test
    void shouldAnswerAWrongMethodWithAJsonError() throws Exception {
        ResponseEntity<String> response = http.getForEntity("/api/v1/predict", String.class);

        assertError(response, 405, "method_not_allowed");
        assertThat(response.getHeaders().getFirst("Allow")).isEqualTo("POST");
    }

    @Test
    void shouldNotEchoClientHeaders() {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        headers.set("X-Secret-Token", "do-not-echo");
        headers.set("Retry-After", "999");

        ResponseEntity<String> response = http.exchange("/api/v1/predict", HttpMethod.POST,
                new HttpEntity<>("{\"text\": \"hello there\"}", headers), String.class);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(Collections.list(Collections.enumeration(response.getHeaders().keySet())))
                .noneMatch(h -> h.equalsIgnoreCase("X-Secret-Token") || h.equalsIgnoreCase("Retry-After"));
    }

    private JsonNode assertError(ResponseEntity<String> response, int status, String code) throws Exception {
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(status);
        JsonNode error = json.readTree(response.getBody()).get("error");
        assertThat(error).as(response.getBody()).isNotNull();
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank().doesNotContain("Exception", "\tat ");
        assertThat(error.get("requestId").asText()).isNotBlank();
        assertThat(response.getHeaders().getFirst("X-Request-ID")).isEqualTo(error.get("requestId").asText());
        return error;
    }
}
