package dev.modelapi.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java benchmarks under bench/ run as single-file programs against the service's classes, so
 * Maven never compiles them: a class of the service made package-private, or a changed signature,
 * would break them silently until someone runs a benchmark (it happened: compare.sh's in-process
 * DJL row stopped compiling). They compile here, against the test classpath.
 */
class BenchSourcesTest {

    @TempDir
    Path out;

    @Test
    void shouldCompileEveryJavaBenchmark() throws IOException {
        List<String> sources;
        try (Stream<Path> files = Files.list(Path.of("bench"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).sorted().toList();
        }
        assertThat(sources).contains("bench/InProcessBench.java", "bench/LoadBench.java");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();

        for (String source : sources) {
            // one at a time, as `java bench/X.java` runs each: every file is a program of its own
            List<String> arguments = new ArrayList<>(List.of("-proc:none", "-d", out.resolve(Path.of(source)
                    .getFileName().toString()).toString(), "-cp", System.getProperty("java.class.path"), source));
            int status = javac.run(null, null, errors, arguments.toArray(String[]::new));
            assertThat(status).as("javac %s:%n%s", source, errors.toString(StandardCharsets.UTF_8)).isZero();
        }
    }
}
