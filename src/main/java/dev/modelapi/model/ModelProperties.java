package dev.modelapi.model;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where models come from and how each one is served ({@code modelapi.models.*}).
 *
 * @param directory the local repository: {@code <directory>/<name>/<version>/} in the djl-convert layout
 * @param workersPerModel predictors per loaded model: a running batch holds one, so at most this
 *     many batches of one model run at once (docs/performance.md: on 2 cores, 2 per model)
 * @param queueCapacity batches of one model waiting for a forward thread; past it a batch is refused at once
 * @param maxConcurrentForwards forward threads shared by all models, the most forwards running at
 *     once (0: the number of cores); more only take turns on the cores
 * @param stalledForward how long one forward may run before its thread counts as stalled and a
 *     spare thread starts in its place (at most max-concurrent-forwards spares), so that a hung
 *     model cannot hold every forward thread
 * @param predictorWait how long a caller outside the pipeline (warm-up, shadow model, tools) waits
 *     for a forward thread's answer before giving up
 * @param device {@code auto} (a GPU when DJL finds one, else the CPU), {@code cpu} or {@code gpu}
 * @param warmUp run one inference per predictor at load, so the first request does not pay for it
 * @param maxLoaded the most model versions loaded at once; past it the least recently used idle one is unloaded
 * @param maxLoadedSize the most TorchScript bytes loaded at once, with the same rule
 * @param loadOnDemand load a version on disk that a request names but that is not loaded (evicted, say)
 * @param requireManifest refuse to load a version directory without a checksum manifest
 *     ({@code sha256sums}); with one, its files are checked whatever this says
 * @param variantsAtStartUp also load variants ({@code <version>-<kind>} directories such as
 *     {@code 1-int8}) at start-up; off, they load when loaded through the API or named in a request
 * @param nativeHeapTrimAfter once no forward has run for this long (and again every this long
 *     while none runs), the free memory glibc's malloc keeps for the next forward goes back to the
 *     kernel ({@code malloc_trim}); 0 keeps it
 * @param forwardSlice the time slice each forward thread asks of the kernel at its first batch
 *     (Linux 6.12 and later; 0 to 100ms, 0: the kernel's own): a forward then runs start to end on
 *     its core while the pipeline's threads wait for it ({@link ThreadPolicy#setSlice})
 */
@Validated
@ConfigurationProperties("modelapi.models")
public record ModelProperties(
        @NotNull @DefaultValue("models") Path directory,
        @Min(1) @Max(64) @DefaultValue("2") int workersPerModel,
        @Min(1) @DefaultValue("64") int queueCapacity,
        @Min(0) @DefaultValue("0") int maxConcurrentForwards,
        @NotNull @DefaultValue("5s") Duration stalledForward,
        @NotNull @DefaultValue("30s") Duration predictorWait,
        @Pattern(regexp = "auto|cpu|gpu") @DefaultValue("auto") String device,
        @DefaultValue("true") boolean warmUp,
        @Min(1) @DefaultValue("32") int maxLoaded,
        @NotNull @DefaultValue("4GB") DataSize maxLoadedSize,
        @DefaultValue("true") boolean loadOnDemand,
        @DefaultValue("false") boolean requireManifest,
        @DefaultValue("false") boolean variantsAtStartUp,
        @NotNull @DefaultValue("30s") Duration nativeHeapTrimAfter,
        @NotNull @DefaultValue("20ms") Duration forwardSlice) {

    @ConstructorBinding
    public ModelProperties {
    }

    /** Settings with the default limits, for tools and tests that load models directly. */
    public ModelProperties(Path directory, int workersPerModel, Duration predictorWait, String device, boolean warmUp) {
        this(directory, workersPerModel, 64, 0, Duration.ofSeconds(5), predictorWait, device, warmUp, 32, DataSize.ofGigabytes(4), true, false,
                false, Duration.ofSeconds(30), Duration.ofMillis(20));
    }
}
