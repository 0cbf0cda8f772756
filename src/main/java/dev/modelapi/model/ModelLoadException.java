package dev.modelapi.model;

import java.nio.file.Path;

/** A model directory that cannot be served; names the file at fault so an operator can fix it. */
class ModelLoadException extends Exception {

    private final transient Path file;

    public ModelLoadException(Path file, String reason) {
        this(file, reason, null);
    }

    public ModelLoadException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The file (or directory) that made the load fail. */
    public Path file() {
        return file;
    }
}
