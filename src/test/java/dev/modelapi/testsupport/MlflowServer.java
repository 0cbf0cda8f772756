package dev.modelapi.testsupport;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real MLflow tracking server with the artifact proxy ({@code --serve-artifacts}), SQLite and a
 * temporary artifact store, one per JVM, stopped by a shutdown hook. MLflow itself is installed on
 * first use into a virtualenv under {@code ~/.cache/modelapi/} from the pinned
 * {@code src/test/resources/mlflow/requirements.txt} (needs {@code python3} with {@code venv} and a
 * reachable PyPI once), and reused afterwards; {@code MLFLOW_VENV} points elsewhere.
 *
 * <p>Also writes to the registry the way a training pipeline would, through the REST API only.
 */
public final class MlflowServer {

    public static final String MLFLOW_VERSION = "3.5.1";
    private static final Path REQUIREMENTS = Path.of("src/test/resources/mlflow/requirements.txt");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static MlflowServer shared;

    private final Process process;
    private final URI uri;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private MlflowServer(Process process, URI uri, Path log) {
        this.process = process;
        this.uri = uri;
        this.log = log;
    }

    /** The JVM's MLflow, installed and started on first use. */
    public static synchronized MlflowServer shared() {
        if (shared == null) {
            shared = start(installed());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "mlflow-stop"));
        }
        return shared;
    }

    public URI uri() {
        return uri;
    }

    /** The virtualenv holding MLflow, created (under a file lock, so parallel builds install once) if missing. */
    static Path installed() {
        String configured = System.getenv("MLFLOW_VENV");
        Path venv = configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "modelapi", "mlflow-" + MLFLOW_VERSION + "-" + requirementsHash());
        Path done = venv.resolve(".installed");
        if (Files.exists(done)) {
            return venv;
        }
        try {
            Files.createDirectories(venv.getParent());
            try (FileChannel lockFile = FileChannel.open(venv.resolveSibling(venv.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
                if (!Files.exists(done)) {
                    deleteTree(venv);
                    Path installLog = Files.createTempFile("mlflow-install-", ".log");
                    run(installLog, "python3", "-m", "venv", venv.toString());
                    run(installLog, venv.resolve("bin/python").toString(), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", "-r", REQUIREMENTS.toAbsolutePath().toString());
                    Files.writeString(done, MLFLOW_VERSION);
                }
            }
            return venv;
        } catch (IOException e) {
            throw new UncheckedIOException("could not install MLflow into " + venv, e);
        }
    }

    private static MlflowServer start(Path venv) {
        try {
            Path home = TemporaryDirectories.make("mlflow-");
            Path log = home.resolve("server.log");
            int port = LocalPorts.free();
            ProcessBuilder builder = new ProcessBuilder(venv.resolve("bin/python").toString(), "-m", "mlflow", "server",
                    "--host", "127.0.0.1", "--port", Integer.toString(port), "--workers", "1",
                    "--backend-store-uri", "sqlite:///" + home.resolve("mlflow.db"),
                    "--artifacts-destination", home.resolve("artifacts").toString(), "--serve-artifacts")
                    .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("MLFLOW_DISABLE_TELEMETRY", "true");
            builder.environment().put("DO_NOT_TRACK", "true");
            MlflowServer server = new MlflowServer(builder.start(), URI.create("http://127.0.0.1:" + port + "/"), log);
            try {
                await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                        .until(server::ready);
            } catch (RuntimeException e) {
                server.stop();
                throw new IllegalStateException("MLflow " + MLFLOW_VERSION + " did not answer /health within "
                        + START_TIMEOUT + "; its log " + log + " ends with:\n" + tail(log), e);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start MLflow", e);
        }
    }

    private boolean ready() throws Exception {
        if (!process.isAlive()) {
            throw new IllegalStateException("MLflow exited with " + process.exitValue() + ":\n" + tail(log));
        }
        return http.send(HttpRequest.newBuilder(uri.resolve("health")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    /** Stops the server and the workers it started. */
    public void stop() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Registers the files of {@code directory} as a new version of {@code model}, as a pipeline would:
     * a run, the files uploaded as its artifacts under {@code model/}, a model version whose source is
     * that directory, and a {@code sha256.<file>} tag per file (overridden by {@code tags}).
     *
     * @return the new version number
     */
    public String registerVersion(String model, Path directory, Map<String, String> tags) throws Exception {
        String experiment = post("api/2.0/mlflow/experiments/create", Map.of("name", model + "-" + System.nanoTime()))
                .get("experiment_id").asText();
        JsonNode run = post("api/2.0/mlflow/runs/create", Map.of("experiment_id", experiment)).get("run").get("info");
        String artifactUri = run.get("artifact_uri").asText() + "/model";
        String artifactPath = artifactUri.substring("mlflow-artifacts:/".length());
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(
                    uri.resolve("api/2.0/mlflow-artifacts/artifacts/" + artifactPath + "/" + file.getFileName()))
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
            if (put.statusCode() != 200) {
                throw new IllegalStateException("upload of " + file + ": " + put.statusCode() + " " + put.body());
            }
        }
        HttpResponse<String> existing = http.send(HttpRequest.newBuilder(uri.resolve(
                "api/2.0/mlflow/registered-models/get?name=" + model)).build(), HttpResponse.BodyHandlers.ofString());
        if (existing.statusCode() == 404) {
            post("api/2.0/mlflow/registered-models/create", Map.of("name", model));
        }
        String version = post("api/2.0/mlflow/model-versions/create", Map.of("name", model, "source", artifactUri,
                "run_id", run.get("run_id").asText())).get("model_version").get("version").asText();
        for (Path file : files) {
            String key = "sha256." + file.getFileName();
            setTag(model, version, key, tags.getOrDefault(key, sha256(file)));
        }
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            setTag(model, version, tag.getKey(), tag.getValue());
        }
        return version;
    }

    public void setAlias(String model, String alias, String version) throws Exception {
        post("api/2.0/mlflow/registered-models/alias", Map.of("name", model, "alias", alias, "version", version));
    }

    private void setTag(String model, String version, String key, String value) throws Exception {
        post("api/2.0/mlflow/model-versions/set-tag", Map.of("name", model, "version", version, "key", key, "value", value));
    }

    private JsonNode post(String path, Map<String, String> body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + ": " + response.statusCode() + " " + response.body());
        }
        return json.readTree(response.body());
    }

    public static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static String requirementsHash() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(REQUIREMENTS)))
                    .substring(0, 12);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + REQUIREMENTS.toAbsolutePath(), e);
        }
    }

    private static void run(Path log, String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!process.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + INSTALL_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted installing MLflow", e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("installing MLflow failed (" + String.join(" ", command) + ", exit "
                    + process.exitValue() + "); needs python3 with venv and PyPI. Log " + log + ":\n" + tail(log));
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

}
