package dev.modelapi.model;

import java.nio.file.Path;

/** The model would not fit the limits on loaded models, and nothing idle could make room. */
class ModelCapacityException extends ModelLoadException {

    public ModelCapacityException(Path directory, String reason) {
        super(directory, reason);
    }
}
