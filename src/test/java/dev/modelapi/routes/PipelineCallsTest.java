package dev.modelapi.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelapi.testsupport.RouteFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every step that calls the shared pipeline ({@code direct:predict}) calls it InOnly: direct: runs
 * it on the caller's thread and exchange whatever the pattern, and Camel puts the caller's pattern
 * back when it returns, but under InOut the end of each of the pipeline's step lists copies the
 * message, headers and all, at the end of every step list and split (docs/performance.md).
 */
class PipelineCallsTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void shouldCallThePipelineInOnlyFromEveryRouteFile() throws Exception {
        List<String> calls = new ArrayList<>();
        List<String> inOut = new ArrayList<>();
        for (Path file : RouteFiles.all()) {
            collect(YAML.readTree(file.toFile()), file.getFileName().toString(), calls, inOut);
        }

        assertThat(calls).as("the channels' and the cache warming's calls of direct:predict")
                .contains("ingress-http.camel.yaml pipeline", "ingress-http.camel.yaml batch-pipeline",
                        "ingress-jms.camel.yaml jms-pipeline", "ingress-kafka.camel.yaml kafka-predict-pipeline",
                        "ingress-folder.camel.yaml folder-pipeline", "ingress-grpc.camel.yaml grpc-pipeline",
                        "ingress-v2.camel.yaml v2-pipeline", "cache.camel.yaml cache-warm-predict");
        assertThat(inOut).as("calls of direct:predict without pattern: InOnly").isEmpty();
    }

    /** Every {@code to}, {@code toD} or {@code enrich} step whose uri is the pipeline, by file and step id. */
    private static void collect(JsonNode node, String file, List<String> calls, List<String> inOut) {
        if (node.isArray()) {
            node.forEach(child -> collect(child, file, calls, inOut));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        for (String step : List.of("to", "toD", "enrich")) {
            JsonNode call = node.get(step);
            String uri = call == null ? null : call.isTextual() ? call.asText() : call.path("uri").asText(null);
            if (uri != null && uri.replace("://", ":").equals("direct:predict")) {
                String id = file + " " + call.path("id").asText("(no id)");
                calls.add(id);
                if (!"InOnly".equals(call.path("pattern").asText())) {
                    inOut.add(id);
                }
            }
        }
        node.forEach(child -> collect(child, file, calls, inOut));
    }
}
