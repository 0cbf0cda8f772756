package dev.modelapi.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.model.ModelOperations;
import dev.modelapi.model.ModelProperties;
import dev.modelapi.model.ModelRegistry;
import dev.modelapi.errors.InvalidRequestException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/** Failures that need no MLflow: a malformed source, MLflow switched off, MLflow not listening. */
class MlflowModelsTest {

    @TempDir
    Path repository;

    ModelRegistry registry;
    ModelProperties models;

    @BeforeEach
    void emptyRepository() {
        models = new ModelProperties(repository, 1, Duration.ofSeconds(1), "cpu", false);
        registry = ModelRegistry.loadFrom(repository, models);
    }

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void shouldParseVersionAndAliasUris() {
        assertThat(ModelUri.parse("models:/spam-roberta/3")).isEqualTo(new ModelUri("spam-roberta", "3", null));
        assertThat(ModelUri.parse("models:/spam-roberta@champion")).isEqualTo(new ModelUri("spam-roberta", null, "champion"));
        assertThatThrownBy(() -> ModelUri.parse("runs:/abc/model")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelUri.parse("models:/spam-roberta")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldMapArtifactProxyUrisToProxyPaths() throws Exception {
        assertThat(MlflowClient.proxyPath("mlflow-artifacts:/1/abc/artifacts/model")).isEqualTo("1/abc/artifacts/model");
        assertThat(MlflowClient.proxyPath("mlflow-artifacts://mlflow:5000/1/abc/artifacts/")).isEqualTo("1/abc/artifacts");
        assertThatThrownBy(() -> MlflowClient.proxyPath("s3://bucket/1/abc")).isInstanceOf(MlflowException.class)
                .hasMessageContaining("--serve-artifacts");
    }

    @Test
    void shouldRefuseAMalformedSourceWith400() {
        assertThatThrownBy(() -> mlflowAt("http://127.0.0.1:" + closedPort()).load("m", "models:/m"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_source");
                });
    }

    @Test
    void shouldAnswer409WhenMlflowIsNotConfigured() {
        assertThatThrownBy(() -> mlflowAt("").load("m", "models:/m/1"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.code()).isEqualTo("mlflow_not_configured");
                });
    }

    @Test
    void shouldAnswer503AndWriteNothingWhenMlflowIsUnreachable() throws Exception {
        assertThatThrownBy(() -> mlflowAt("http://127.0.0.1:" + closedPort()).load("m", "models:/m@champion"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("mlflow_unavailable");
                });
        try (var files = Files.list(repository)) {
            assertThat(files).isEmpty();
        }
    }

    private MlflowModels mlflowAt(String trackingUri) {
        MlflowProperties settings = new MlflowProperties(trackingUri, Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(5), DataSize.ofMegabytes(100));
        return new MlflowModels(settings, models, new ModelOperations(registry), new ObjectMapper());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
