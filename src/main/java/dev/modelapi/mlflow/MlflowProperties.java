package dev.modelapi.mlflow;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where the MLflow Model Registry is and how long to wait for it ({@code modelapi.mlflow.*}).
 * Artifacts are downloaded into the model repository ({@code modelapi.models.directory}) as
 * {@code <name>/<mlflow version>/}, so what was fetched once is served again after a restart.
 *
 * @param trackingUri the MLflow server, for example {@code http://mlflow:5000}; empty: loading from MLflow is off
 * @param connectTimeout longest wait to open a connection to MLflow
 * @param requestTimeout longest wait for one REST answer (resolving a version, listing artifacts)
 * @param downloadTimeout longest wait for one artifact file to download
 * @param maxDownloadSize the most bytes one model version may download, all files together
 */
@Validated
@ConfigurationProperties("modelapi.mlflow")
record MlflowProperties(
        @NotNull @DefaultValue("") String trackingUri,
        @NotNull @DefaultValue("5s") Duration connectTimeout,
        @NotNull @DefaultValue("30s") Duration requestTimeout,
        @NotNull @DefaultValue("10m") Duration downloadTimeout,
        @NotNull @DefaultValue("4GB") DataSize maxDownloadSize) {

    public boolean enabled() {
        return !trackingUri.isBlank();
    }
}
