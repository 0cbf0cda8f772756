package dev.modelapi.errors;

/** The model cannot take the work now: it is closed, or no predictor came free in time. */
public class ModelUnavailableException extends InferenceException {

    public ModelUnavailableException(String message) {
        super("model_unavailable", message, null);
    }
}
