package dev.modelapi.errors;

/**
 * Root of the exceptions an inference call can end in. Each carries a stable code so that error
 * handling in routes can branch on type and every error maps to the same JSON shape.
 */
public class InferenceException extends RuntimeException {

    private final String code;

    public InferenceException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** A short, stable, machine-readable code such as {@code model_unavailable}. */
    public String code() {
        return code;
    }
}
