package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import dev.modelapi.testsupport.RouteFiles;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader;
import org.junit.jupiter.api.Test;

/**
 * Every route file is valid against the JSON schema of Camel's YAML DSL that camel-yaml-dsl ships
 * ({@code schema/camelYamlDsl.json}): route editors (Kaoto, the VS Code Camel extension) check the
 * files integration engineers edit against it, and flag anything it does not allow.
 */
class RoutesSchemaTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void shouldFindEveryRouteFileValidAgainstCamelsYamlDslSchema() throws Exception {
        Schema schema;
        try (InputStream in = YamlRoutesBuilderLoader.class.getResourceAsStream("/schema/camelYamlDsl.json")) {
            assertThat(in).as("camel-yaml-dsl's schema on the class path").isNotNull();
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(in);
        }
        List<Path> files = RouteFiles.all();
        assertThat(files).hasSizeGreaterThan(5);

        List<String> errors = new ArrayList<>();
        for (Path file : files) {
            JsonNode routes = YAML.readTree(file.toFile());
            for (Error error : schema.validate(routes)) {
                errors.add(file.getFileName() + " " + error.getInstanceLocation() + ": " + error.getMessage());
            }
        }

        assertThat(errors).as(String.join("\n", errors)).isEmpty();
    }
}
