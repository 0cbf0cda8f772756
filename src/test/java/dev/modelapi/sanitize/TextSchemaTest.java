package dev.modelapi.sanitize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleSpec;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document's {@code Text} schema says exactly which texts the sanitizer takes: a text
 * of one character matches its pattern if and only if the sanitizer keeps something of it, for
 * every character of the Basic Multilingual Plane (the pattern's reach; see the schema's
 * description); and its length limit is the sanitizer's default size limit.
 */
class TextSchemaTest {

    @SuppressWarnings("unchecked")
    static Map<String, Object> textSchema() throws Exception {
        Map<String, Object> document = new Yaml().load(Files.readString(Path.of("src/main/resources/static/openapi.yaml")));
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) document.get("components")).get("schemas");
        return (Map<String, Object>) schemas.get("Text");
    }

    @Test
    void shouldMatchExactlyTheOneCharacterTextsTheSanitizerKeeps() throws Exception {
        Pattern visible = Pattern.compile((String) textSchema().get("pattern"));
        TextSanitizer sanitizer = new TextSanitizer(new SanitizeProperties(DataSize.ofKilobytes(64), Map.of(), 32, 128,
                0.1), new SimpleMeterRegistry(), new dev.modelapi.testsupport.RecordedSecurityEvents().recorder);
        List<String> disagreements = new ArrayList<>();
        for (int cp = 0; cp < 0x10000; cp++) {
            if (Character.isSurrogate((char) cp)) {
                continue; // not a character on its own
            }
            String text = new String(Character.toChars(cp));
            boolean kept;
            try {
                sanitizer.sanitize(new PredictionTask("r", 0, "http", "anonymous", text,
                        new EnsembleSpec(List.of(), EnsembleMethod.SOFT, Map.of()), 0));
                kept = true;
            } catch (InvalidRequestException e) {
                assertThat(e.code()).isEqualTo("empty_text");
                kept = false;
            }
            if (kept != visible.matcher(text).find()) {
                disagreements.add(String.format("U+%04X (kept: %s)", cp, kept));
            }
        }
        assertThat(disagreements).as("characters the schema and the sanitizer disagree on").isEmpty();
    }

    @Test
    void shouldLimitTheLengthToWhatTheDefaultSizeHoldsInAscii() throws Exception {
        assertThat(textSchema().get("minLength")).isEqualTo(1);
        assertThat(textSchema().get("maxLength")).isEqualTo((int) DataSize.parse(
                new SanitizeProperties(DataSize.ofKilobytes(64), Map.of(), 32, 128, 0.1).maxTextSize().toString()).toBytes());
    }
}
