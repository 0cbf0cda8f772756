package dev.modelapi.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image's runtime, as docker/Dockerfile builds it: the packaged jar extracted (an
 * application jar beside its libraries), a JDK 25 that maps an AOT cache made at build time by
 * {@code docker/cds-training.sh} (a start up to readiness, start-up warm-up included), and the
 * entry point's JVM options, read from the Dockerfile. The training run must write the cache, and
 * the service started with it under {@code -XX:AOTMode=on} (which refuses to start when the cache
 * cannot be used) must become ready and answer a prediction with the demo model.
 *
 * <p>Runs after {@code package} (failsafe), on the jar the image would take. It needs a JDK 25 or
 * later: {@code JAVA25_HOME}, else one under {@code /usr/lib/jvm} (this machine has Temurin 25).
 */
class ImageRuntimeIT {

    private static final Path DOCKERFILE = Path.of("docker/Dockerfile");
    private static final String AOT_CACHE_OPTION = "-XX:AOTCache=";
    private static final Duration READY_WITHIN = Duration.ofMinutes(3);

    @TempDir
    Path work;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopServices() throws InterruptedException {
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void shouldTrainTheImagesAotCacheAndServeFromIt() throws Exception {
        Path java = jdk25().resolve("bin/java");
        List<String> entryPoint = entryPoint();
        int jarAt = entryPoint.indexOf("-jar");
        List<String> options = new ArrayList<>(entryPoint.subList(1, jarAt));
        assertThat(options).filteredOn(option -> option.startsWith(AOT_CACHE_OPTION)).hasSize(1);
        options.removeIf(option -> option.startsWith(AOT_CACHE_OPTION));
        Path jar = extractedJar();
        Path cache = work.resolve("app.aot");

        List<String> training = new ArrayList<>(List.of("sh", "docker/cds-training.sh", cache.toString(), jar.toString()));
        training.addAll(options);
        ProcessBuilder trainingRun = new ProcessBuilder(training).redirectErrorStream(true)
                .redirectOutput(work.resolve("training.log").toFile());
        trainingRun.environment().put("JAVA", java.toString());
        trainingRun.environment().put("OMP_NUM_THREADS", "1");
        Process trained = trainingRun.start();
        assertThat(trained.waitFor(10, TimeUnit.MINUTES)).as("the training run ends").isTrue();
        assertThat(trained.exitValue()).as("the training run: %s", Files.readString(work.resolve("training.log")))
                .isZero();
        assertThat(cache).isNotEmptyFile();

        int port = freePort();
        List<String> command = new ArrayList<>(List.of(java.toString(), AOT_CACHE_OPTION + cache, "-XX:AOTMode=on"));
        command.addAll(options);
        command.addAll(List.of("-jar", jar.toString(), "--server.port=" + port, "--server.address=127.0.0.1",
                "--modelapi.grpc.port=" + freePort(), "--modelapi.data-directory=" + work.resolve("data"),
                "--logging.level.root=WARN"));
        Path log = work.resolve("service.log");
        ProcessBuilder service = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        service.environment().put("OMP_NUM_THREADS", "1");
        Process running = service.start();
        started.add(running);

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        awaitReady(http, base, running, log);

        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/predict"))
                .header("X-API-Key", "modelapi-dev-key").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"text\": \"Subject: You have WON a FREE cruise\\n\\nClaim your prize now, click here\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(answer.body());
        assertThat(body.path("label").asText()).isEqualTo("spam");
        assertThat(body.path("degraded").asBoolean(true)).isFalse();
        assertThat(Files.readString(log)).doesNotContain("AOT cache").doesNotContain("sun.misc.Unsafe")
                .doesNotContain("restricted method");
    }

    private void awaitReady(HttpClient http, URI base, Process running, Path log) throws IOException {
        HttpRequest readiness = HttpRequest.newBuilder(base.resolve("/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            await("readiness").atMost(READY_WITHIN).pollInterval(Duration.ofMillis(500))
                    .failFast("the service exited", () -> !running.isAlive())
                    .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
                    .until(() -> http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        } catch (ConditionTimeoutException | TerminalFailureException notReady) {
            throw new AssertionError(notReady.getMessage() + ": " + Files.readString(log), notReady);
        }
    }

    /** The entry point's command, from the Dockerfile's exec-form ENTRYPOINT. */
    static List<String> entryPoint() throws IOException {
        Matcher entryPoint = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(Files.readString(DOCKERFILE));
        assertThat(entryPoint.find()).as("the Dockerfile's ENTRYPOINT").isTrue();
        return Arrays.asList(new ObjectMapper().readValue(entryPoint.group(1), String[].class));
    }

    /** The packaged jar, extracted as the image's build stage extracts it (an application jar beside lib/). */
    private Path extractedJar() throws Exception {
        Path packaged;
        try (Stream<Path> jars = Files.list(Path.of("target"))) {
            packaged = jars.filter(path -> path.getFileName().toString().matches("model-api-service-.*\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no packaged jar in target/: run after package"));
        }
        Path extracted = work.resolve("extracted");
        Process extract = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djarmode=tools", "-jar", packaged.toString(), "extract", "--application-filename", "app.jar",
                "--destination", extracted.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("extract.log").toFile()).start();
        assertThat(extract.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(extract.exitValue()).as(Files.readString(work.resolve("extract.log"))).isZero();
        return extracted.resolve("app.jar");
    }

    /** A JDK 25 or later: JAVA25_HOME, else the first under /usr/lib/jvm whose release file says 25 or more. */
    static Path jdk25() throws IOException {
        String configured = System.getenv("JAVA25_HOME");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path jvms = Path.of("/usr/lib/jvm");
        Optional<Path> found = Optional.empty();
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> homes = Files.list(jvms)) {
                found = homes.filter(home -> featureRelease(home) >= 25).sorted().findFirst();
            }
        }
        return found.orElseThrow(() -> new AssertionError(
                "The image runs on a JDK 25 (its AOT cache needs one): set JAVA25_HOME, or install one under /usr/lib/jvm"));
    }

    private static int featureRelease(Path home) {
        try {
            Matcher version = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(home.resolve("release")));
            return version.find() && Files.isExecutable(home.resolve("bin/java")) ? Integer.parseInt(version.group(1)) : 0;
        } catch (IOException | RuntimeException notAJdk) {
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
