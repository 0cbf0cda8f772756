package dev.modelapi.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelapi.testsupport.PythonClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The OpenAPI document tells the truth: schemathesis (PyPI, installed once into
 * {@code ~/.cache/modelapi/}) reads {@code /openapi.yaml} from the running service and, with every
 * check it has ({@code --checks all}: no 5xx, statuses, content types, headers and bodies as
 * documented, schema-valid requests accepted and schema-violating ones refused, {@code Allow} on
 * 405s, ...), calls every operation with the real models and a real key, in all its phases
 * (examples, coverage, fuzzing, stateful), with a fixed seed. It must find nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"modelapi.security.enabled=true", "modelapi.security.requests-per-second=0"})
class SchemathesisTest {

    static final Path REQUIREMENTS = Path.of("src/test/resources/schemathesis/requirements.txt");
    /** Cases per operation and phase: about 2,500 requests in all, three minutes on two cores. */
    static final int EXAMPLES = 50;

    @LocalServerPort
    int port;

    @Test
    void shouldFindNoDifferenceBetweenTheDocumentAndTheService() throws Exception {
        Path venv = PythonClients.venv("schemathesis", REQUIREMENTS);
        // hypothesis can crash on a CPython error while describing a strategy: see sitecustomize.py
        try (var sitePackages = Files.find(venv.resolve("lib"), 2, (path, attributes) -> path.endsWith("site-packages"))) {
            Path into = sitePackages.findFirst().orElseThrow();
            Files.copy(REQUIREMENTS.resolveSibling("sitecustomize.py"), into.resolve("sitecustomize.py"),
                    StandardCopyOption.REPLACE_EXISTING);
        }

        Path work = Files.createDirectories(Path.of("target", "schemathesis")); // it keeps a cache where it runs
        PythonClients.Run run = PythonClients.script(venv, venv.resolve("bin/schemathesis"), List.of("run",
                "http://127.0.0.1:" + port + "/openapi.yaml",
                "--header", "X-API-Key: " + TritonClientTest.KEY,
                "--checks", "all",
                "--seed", "1",
                "--max-examples", Integer.toString(EXAMPLES),
                "--workers", "2",
                // a correctness run, not a latency one: model loads under test share two cores
                "--max-response-time", "120",
                "--generation-database", "none",
                "--no-color",
                "--output-sanitize", "false"), 1800, work);

        String output = run.output();
        assertThat(run.exitCode()).as(output.substring(Math.max(0, output.length() - 20_000))).isZero();
        Matcher generated = Pattern.compile("(\\d+) generated").matcher(output);
        assertThat(generated.find()).as(output).isTrue();
        assertThat(Integer.parseInt(generated.group(1))).as("test cases").isGreaterThan(1_000);
        assertThat(output).contains("Selected: 27/27").doesNotContain("Failures:");
    }
}
