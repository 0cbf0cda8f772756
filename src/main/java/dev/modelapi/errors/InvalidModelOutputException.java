package dev.modelapi.errors;

/** A model answered, but not with a probability distribution (NaN, out of range, or not summing to 1). */
public class InvalidModelOutputException extends InferenceException {

    public InvalidModelOutputException(String message) {
        super("invalid_model_output", message, null);
    }
}
