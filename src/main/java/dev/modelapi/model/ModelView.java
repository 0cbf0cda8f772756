package dev.modelapi.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A model as the models API answers it ({@code GET /api/v1/models/{name}}, and after every command):
 * its versions on disk and in memory, oldest first, and its default version.
 *
 * @param name the model's name
 * @param defaultVersion the version a request without one gets, or null while none is loaded
 * @param versions every version on disk or loaded
 */
public record ModelView(String name, String defaultVersion, List<Version> versions) {

    /** {@code GET /api/v1/models}: every model. */
    public record All(List<ModelView> models) {
    }

    /** A version: {@link Loaded}, or on disk only ({@link OnDisk}: available, or failed to load). */
    public sealed interface Version permits Loaded, OnDisk {
        String version();

        String state();
    }

    /**
     * A loaded version.
     *
     * @param source its directory
     * @param sha256 the fingerprint of the files that decide its answers (model, tokenizer, config,
     *     serving.properties): the prediction cache keys on it
     * @param verified whether its files were checked against the directory's checksum manifest
     *     ({@code sha256sums}) at load; false when it has none
     * @param memoryBytes what it holds in memory (weights and tokenizer)
     * @param lastUsed when it last answered, or null when it has not yet
     */
    public record Loaded(String version, String state, String source, String sha256, boolean verified, List<String> labels,
            List<String> inputs, long modelBytes, long memoryBytes, int workers, long loadTimeMs, String loadedAt,
            @JsonInclude(JsonInclude.Include.ALWAYS) String lastUsed) implements Version {

        static Loaded of(TextClassifier classifier) {
            return new Loaded(classifier.version(), "loaded", classifier.directory().path().toString(),
                    classifier.fingerprint(), classifier.directory().verified(), classifier.labels(), classifier.inputs(), classifier.modelBytes(),
                    classifier.memoryBytes(),
                    classifier.workers(), classifier.loadTime().toMillis(), classifier.loadedAt().toString(),
                    classifier.lastUsed() == null ? null : classifier.lastUsed().toString());
        }
    }

    /**
     * A version on disk that is not loaded.
     *
     * @param state {@code available}, or {@code failed} when its last load failed
     * @param error why its last load failed; absent when it did not
     */
    public record OnDisk(String version, String state, @JsonInclude(JsonInclude.Include.NON_NULL) String error)
            implements Version {

        static OnDisk of(String version, String failure) {
            return new OnDisk(version, failure == null ? "available" : "failed", failure);
        }
    }
}
