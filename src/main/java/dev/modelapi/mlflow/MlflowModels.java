package dev.modelapi.mlflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.model.ModelOperations;
import dev.modelapi.model.ModelView;
import dev.modelapi.model.ModelProperties;
import dev.modelapi.errors.InvalidRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Loads a version from the MLflow Model Registry: resolves {@code models:/<name>/<version>} or
 * {@code models:/<name>@<alias>}, downloads the version's artifacts into the model repository as
 * {@code <name>/<mlflow version>/}, checks each file that has a {@code sha256.<file>} tag on the
 * model version, and hands the directory to the model manager. Nothing on disk or in memory changes
 * until every file has arrived and matched its checksum.
 */
@Component("mlflowModels")
public class MlflowModels {

    /** Written into every version directory downloaded from MLflow: only those may be replaced by a later download. */
    static final String SOURCE_MARKER = ".mlflow-source";

    /** Model version tags {@code sha256.<path relative to the version's artifact directory>} hold lowercase hex. */
    static final String CHECKSUM_TAG_PREFIX = "sha256.";
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Logger log = LoggerFactory.getLogger(MlflowModels.class);

    private final MlflowProperties settings;
    private final Path repository;
    private final ModelOperations operations;
    private final MlflowClient client;

    public MlflowModels(MlflowProperties settings, ModelProperties models, ModelOperations operations, ObjectMapper json) {
        this.settings = settings;
        this.repository = models.directory();
        this.operations = operations;
        this.client = settings.enabled()
                ? new MlflowClient(URI.create(settings.trackingUri()), settings.connectTimeout(),
                        settings.requestTimeout(), settings.downloadTimeout(), json)
                : null;
    }

    /**
     * Fetches the version {@code source} names and loads it as {@code <name>:<mlflow version>}; one
     * fetch at a time, so two loads never write the same directory.
     */
    public synchronized ModelView load(String name, String source) {
        if (client == null) {
            throw new InvalidRequestException(409, "mlflow_not_configured",
                    "loading from MLflow is off; set modelapi.mlflow.tracking-uri (MLFLOW_TRACKING_URI)");
        }
        ModelUri uri;
        try {
            uri = ModelUri.parse(source);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.badRequest("invalid_source", e.getMessage());
        }
        try {
            MlflowClient.ModelVersion version = client.resolve(uri);
            log.info("{} is MLflow version {} of {}, from {}", uri, version.version(), version.name(), version.source());
            fetch(name, version);
            return operations.load(name, version.version());
        } catch (MlflowException e) {
            throw translate(uri, e);
        } catch (IOException e) {
            throw new InvalidRequestException(500, "mlflow_download_failed",
                    "could not write the artifacts of " + uri + " into " + repository + ": " + e.getMessage());
        }
    }

    private void fetch(String name, MlflowClient.ModelVersion version) throws MlflowException, IOException {
        String artifactPath = client.artifactPath(version);
        List<MlflowClient.Artifact> files = client.listFiles(artifactPath);
        if (files.isEmpty()) {
            throw new MlflowException(0, "NO_ARTIFACTS", "MLflow lists no files under " + artifactPath, null);
        }
        for (String tag : version.tags().keySet()) {
            String file = tag.startsWith(CHECKSUM_TAG_PREFIX) ? tag.substring(CHECKSUM_TAG_PREFIX.length()) : null;
            if (file != null && files.stream().noneMatch(f -> f.path().equals(file))) {
                throw checksumFailure(version, file + ": has a checksum tag but is not among the artifacts");
            }
        }
        Path nameDir = repository.resolve(safe(name));
        Path versionDir = nameDir.resolve(safe(version.version()));
        if (Files.isDirectory(versionDir) && !Files.exists(versionDir.resolve(SOURCE_MARKER))) {
            throw new InvalidRequestException(409, "version_exists", versionDir + " exists and did not come from"
                    + " MLflow; load the MLflow model under another name instead of overwriting it");
        }
        Files.createDirectories(nameDir);
        Path staging = nameDir.resolve(".download-" + version.version() + "-" + UUID.randomUUID());
        try {
            long budget = settings.maxDownloadSize().toBytes();
            for (MlflowClient.Artifact file : files) {
                Path target = staging.resolve(file.path()).normalize();
                if (!target.startsWith(staging)) {
                    throw new MlflowException(0, "BAD_ARTIFACT_PATH", "artifact path " + file.path() + " leaves its directory", null);
                }
                Files.createDirectories(target.getParent());
                String actual = client.download(artifactPath + "/" + file.path(), target, budget);
                budget -= Files.size(target);
                String expected = version.tags().get(CHECKSUM_TAG_PREFIX + file.path());
                if (expected != null && !(HEX_SHA256.matcher(expected).matches() && expected.equalsIgnoreCase(actual))) {
                    throw checksumFailure(version, file.path() + ": sha256 is " + actual + ", the model version's tag "
                            + CHECKSUM_TAG_PREFIX + file.path() + " says " + expected);
                }
            }
            Files.writeString(staging.resolve(SOURCE_MARKER), "models:/" + version.name() + "/" + version.version() + "\n");
            replace(staging, versionDir);
        } finally {
            deleteTree(staging);
        }
    }

    /** Swaps the new directory in with renames, so the version directory is never half written. */
    private static void replace(Path staging, Path versionDir) throws IOException {
        Path previous = versionDir.resolveSibling(".replaced-" + versionDir.getFileName() + "-" + UUID.randomUUID());
        boolean hadPrevious = Files.exists(versionDir);
        if (hadPrevious) {
            move(versionDir, previous);
        }
        move(staging, versionDir);
        if (hadPrevious) {
            deleteTree(previous);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }

    private static MlflowException checksumFailure(MlflowClient.ModelVersion version, String detail) {
        return new MlflowException(0, "CHECKSUM_MISMATCH",
                "MLflow version " + version.version() + " of " + version.name() + ": " + detail, null);
    }

    private static String safe(String segment) {
        if (segment == null || !segment.matches("[A-Za-z0-9._-]{1,128}") || segment.startsWith(".")) {
            throw InvalidRequestException.badRequest("invalid_model", "\"" + segment + "\" is not a model name or version");
        }
        return segment;
    }

    private static InvalidRequestException translate(ModelUri uri, MlflowException e) {
        log.warn("{} not loaded: {}", uri, e.getMessage());
        if ("CHECKSUM_MISMATCH".equals(e.errorCode())) {
            return new InvalidRequestException(422, "checksum_mismatch", e.getMessage());
        }
        if (notFound(e)) {
            return new InvalidRequestException(404, "mlflow_model_not_found", uri + " does not exist: " + e.getMessage());
        }
        if (e.status() == 0 && e.errorCode() == null) {
            return new InvalidRequestException(503, "mlflow_unavailable", e.getMessage());
        }
        return new InvalidRequestException(502, "mlflow_error", e.getMessage());
    }

    /** MLflow 3 answers an unknown alias with 400 INVALID_PARAMETER_VALUE "... alias x not found." rather than 404. */
    private static boolean notFound(MlflowException e) {
        return e.notFound() || ("INVALID_PARAMETER_VALUE".equals(e.errorCode()) && e.getMessage().endsWith("not found."));
    }
}
