package dev.modelapi.errors;


/** No answer within the request timeout; the batcher skips the text if it has not run yet. */
public class InferenceTimeoutException extends InferenceException {

    public InferenceTimeoutException(String message) {
        super("inference_timeout", message, null);
    }
}
