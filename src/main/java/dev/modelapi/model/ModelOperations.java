package dev.modelapi.model;

import dev.modelapi.errors.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The model manager's operations as Camel beans: list, describe, load, unload, set the default,
 * roll back. The REST routes ({@code routes/models.camel.yaml}) and any ops route in YAML call the
 * same methods; answers are {@link ModelView} records, rendered as JSON by the caller.
 */
@Component("modelOperations")
public class ModelOperations {

    private final ModelRegistry registry;

    public ModelOperations(ModelRegistry registry) {
        this.registry = registry;
    }

    /** Every model name with its versions on disk and in memory. */
    public ModelView.All list() {
        List<ModelView> models = new ArrayList<>();
        for (String name : registry.names()) {
            models.add(describe(name));
        }
        return new ModelView.All(models);
    }

    public ModelView describe(String name) {
        List<String> onDisk = registry.versionsOnDisk(name);
        List<TextClassifier> loaded = registry.all().stream().filter(c -> c.name().equals(name)).toList();
        if (onDisk.isEmpty() && loaded.isEmpty()) {
            throw new InvalidRequestException(404, "model_not_found", "no model " + name + " in the repository");
        }
        List<ModelView.Version> versions = new ArrayList<>();
        List<String> all = new ArrayList<>(onDisk);
        loaded.stream().map(TextClassifier::version).filter(v -> !all.contains(v)).forEach(all::add);
        all.sort(ModelRegistry.VERSION_ORDER);
        for (String version : all) {
            versions.add(registry.find(name, version).<ModelView.Version>map(ModelView.Loaded::of)
                    .orElseGet(() -> ModelView.OnDisk.of(version, registry.failures().get(name + ":" + version))));
        }
        return new ModelView(name, registry.defaultVersion(name).orElse(null), versions);
    }

    /**
     * Loads {@code models/<name>/<version>}; without a version, the highest version on disk that is
     * not a variant such as {@code 1-int8} (as Triton and TorchServe load a model by name). No such
     * directory is a 404, a failure to load one is a 422 naming the file, and nothing else changes.
     */
    public ModelView load(String name, String version) {
        List<String> onDisk = registry.versionsOnDisk(name);
        if (version != null) {
            requireVersion(version); // "" names no version: a 400, not the highest
        } else {
            if (onDisk.isEmpty()) {
                throw new InvalidRequestException(404, "model_not_found", "there is no version of " + name
                        + " in the model repository (" + name + "/<version>)");
            }
            version = ModelRegistry.defaultAmong(onDisk);
        }
        if (!onDisk.contains(version) && registry.find(name, version).isEmpty()) {
            throw new InvalidRequestException(404, "model_not_found", "there is no version " + version + " of "
                    + name + " in the model repository (" + name + "/" + version + ")");
        }
        try {
            registry.load(name, version);
        } catch (ModelCapacityException e) {
            throw new InvalidRequestException(409, "model_limit_reached", e.getMessage());
        } catch (ModelLoadException e) {
            throw new InvalidRequestException(422, "model_load_failed", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.badRequest("invalid_model", e.getMessage());
        }
        return describe(name);
    }

    /** Unloads one version, or without a version every loaded version of the model; none loaded is a 404. */
    public ModelView unload(String name, String version) {
        if (version != null) {
            requireVersion(version);
        } else {
            List<String> loaded = registry.all().stream().filter(c -> c.name().equals(name))
                    .map(TextClassifier::version).toList();
            if (loaded.isEmpty()) {
                throw new InvalidRequestException(404, "model_not_loaded", "no version of " + name + " is loaded");
            }
            loaded.forEach(v -> registry.unload(name, v));
            return describe(name);
        }
        if (!registry.unload(name, version)) {
            throw new InvalidRequestException(404, "model_not_loaded", name + ":" + version + " is not loaded");
        }
        return describe(name);
    }

    public ModelView setDefault(String name, String version) {
        requireVersion(version);
        try {
            registry.setDefault(name, version);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(409, "model_not_loaded", e.getMessage() + "; load it first");
        }
        return describe(name);
    }

    public ModelView rollback(String name) {
        describe(name);
        try {
            registry.rollback(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(409, "no_previous_default", e.getMessage());
        }
        return describe(name);
    }

    /** What a command path that names no operation gets. */
    public ModelView unknownCommand(String command) {
        throw new InvalidRequestException(404, "unknown_command",
                "\"" + command + "\" is not a model command; use load, unload, default or rollback");
    }

    private static void requireVersion(String version) {
        if (version == null || version.isBlank()) {
            throw InvalidRequestException.badRequest("missing_version", "the body must name a \"version\"");
        }
    }
}
