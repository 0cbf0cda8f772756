package dev.modelapi.mlflow;

import dev.modelapi.digest.Sha256;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The few calls of MLflow's REST API (2.0) that fetching a registered model version needs: resolve a
 * version or alias, find where its artifacts are, list and download them through the server's
 * {@code mlflow-artifacts} proxy (a server started with {@code --serve-artifacts}).
 */
class MlflowClient {

    static final String ARTIFACTS_SCHEME = "mlflow-artifacts:";
    private static final int MAX_DIRECTORY_DEPTH = 8;

    private final URI trackingUri;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Duration requestTimeout;
    private final Duration downloadTimeout;

    MlflowClient(URI trackingUri, Duration connectTimeout, Duration requestTimeout, Duration downloadTimeout,
            ObjectMapper json) {
        String base = trackingUri.toString();
        this.trackingUri = URI.create(base.endsWith("/") ? base : base + "/");
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        this.json = json;
        this.requestTimeout = requestTimeout;
        this.downloadTimeout = downloadTimeout;
    }

    /** A registered model version as MLflow describes it; {@code tags} by key. */
    record ModelVersion(String name, String version, String source, Map<String, String> tags) {
    }

    /** One file under an artifact directory; {@code path} is relative to that directory. */
    record Artifact(String path, long size) {
    }

    /** The version {@code uri} names now: a fixed version, or the one its alias points to. */
    ModelVersion resolve(ModelUri uri) throws MlflowException {
        JsonNode answer = uri.alias() != null
                ? get("api/2.0/mlflow/registered-models/alias", Map.of("name", uri.name(), "alias", uri.alias()))
                : get("api/2.0/mlflow/model-versions/get", Map.of("name", uri.name(), "version", uri.version()));
        JsonNode version = answer.path("model_version");
        Map<String, String> tags = new LinkedHashMap<>();
        version.path("tags").forEach(tag -> tags.put(tag.path("key").asText(), tag.path("value").asText()));
        return new ModelVersion(version.path("name").asText(uri.name()), version.path("version").asText(),
                version.path("source").asText(null), tags);
    }

    /**
     * Where the version's files are, as a path for the artifact proxy. MLflow resolves the version's
     * source for us (a run's artifact directory, or in MLflow 3 a logged model {@code models:/m-...}).
     */
    String artifactPath(ModelVersion version) throws MlflowException {
        JsonNode answer = get("api/2.0/mlflow/model-versions/get-download-uri",
                Map.of("name", version.name(), "version", version.version()));
        return proxyPath(answer.path("artifact_uri").asText(""));
    }

    /**
     * The path of an {@code mlflow-artifacts:/<path>} or {@code mlflow-artifacts://<host>/<path>} URI
     * under the tracking server's artifact proxy (the host is ignored: the proxy is the tracking server).
     */
    static String proxyPath(String artifactUri) throws MlflowException {
        if (!artifactUri.startsWith(ARTIFACTS_SCHEME)) {
            throw new MlflowException(0, "UNSUPPORTED_ARTIFACT_URI", "artifact URI \"" + artifactUri + "\" is not served by the MLflow"
                    + " artifact proxy (" + ARTIFACTS_SCHEME + "); start MLflow with --serve-artifacts", null);
        }
        String rest = artifactUri.substring(ARTIFACTS_SCHEME.length());
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        return rest.replaceAll("^/+|/+$", "");
    }

    /** Every file under {@code directory}, in subdirectories too, with paths relative to it. */
    List<Artifact> listFiles(String directory) throws MlflowException {
        List<Artifact> files = new ArrayList<>();
        listInto(directory, "", files, 0);
        return files;
    }

    private void listInto(String root, String relative, List<Artifact> files, int depth) throws MlflowException {
        if (depth > MAX_DIRECTORY_DEPTH) {
            throw new MlflowException(0, "BAD_ARTIFACT_PATH", "artifacts nest deeper than " + MAX_DIRECTORY_DEPTH + " directories under " + root, null);
        }
        String directory = relative.isEmpty() ? root : root + "/" + relative;
        for (JsonNode file : get("api/2.0/mlflow-artifacts/artifacts", Map.of("path", directory)).path("files")) {
            String name = file.path("path").asText();
            name = name.substring(name.lastIndexOf('/') + 1);
            String path = relative.isEmpty() ? name : relative + "/" + name;
            if (file.path("is_dir").asBoolean()) {
                listInto(root, path, files, depth + 1);
            } else {
                files.add(new Artifact(path, file.path("file_size").asLong(-1)));
            }
        }
    }

    /**
     * Downloads one artifact to {@code target}, refusing more than {@code maxBytes}.
     *
     * @return the SHA-256 of what was written, lowercase hex
     */
    String download(String artifactPath, Path target, long maxBytes) throws MlflowException, IOException {
        String encoded = Arrays.stream(artifactPath.split("/")).map(MlflowClient::encode).collect(Collectors.joining("/"));
        HttpRequest request = HttpRequest.newBuilder(trackingUri.resolve("api/2.0/mlflow-artifacts/artifacts/" + encoded))
                .timeout(downloadTimeout).GET().build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw failure(response.statusCode(), new String(body.readNBytes(4096), StandardCharsets.UTF_8), request);
            }
            MessageDigest sha256 = Sha256.digest();
            long written = 0;
            byte[] buffer = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(target)) {
                for (int read; (read = body.read(buffer)) >= 0; ) {
                    written += read;
                    if (written > maxBytes) {
                        throw new MlflowException(0, "DOWNLOAD_TOO_LARGE", artifactPath + " is larger than the download limit of " + maxBytes + " bytes", null);
                    }
                    sha256.update(buffer, 0, read);
                    out.write(buffer, 0, read);
                }
            }
            return Sha256.hex(sha256.digest());
        }
    }

    private JsonNode get(String path, Map<String, String> query) throws MlflowException {
        String parameters = query.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(trackingUri.resolve(path + "?" + parameters))
                .timeout(requestTimeout).header("Accept", "application/json").GET().build();
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw failure(response.statusCode(), response.body(), request);
        }
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new MlflowException(response.statusCode(), null, "MLflow answered " + request.uri().getPath()
                    + " with something that is not JSON", e);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws MlflowException {
        try {
            return http.send(request, handler);
        } catch (HttpTimeoutException e) {
            throw new MlflowException(0, null, "MLflow at " + trackingUri + " did not answer within the timeout", e);
        } catch (IOException e) {
            throw new MlflowException(0, null, "MLflow at " + trackingUri + " is unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MlflowException(0, null, "interrupted while waiting for MLflow", e);
        }
    }

    private MlflowException failure(int status, String body, HttpRequest request) {
        String errorCode = null;
        String message = body == null ? "" : body.strip();
        try {
            JsonNode error = json.readTree(body);
            if (error != null && error.has("error_code")) {
                errorCode = error.path("error_code").asText();
                message = error.path("message").asText(message);
            }
        } catch (IOException notJson) {
            // keep the raw body as the message
        }
        if (message.length() > 500) {
            message = message.substring(0, 500) + "...";
        }
        return new MlflowException(status, errorCode, "MLflow answered " + status + " to " + request.uri().getPath()
                + (message.isEmpty() ? "" : ": " + message), null);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
