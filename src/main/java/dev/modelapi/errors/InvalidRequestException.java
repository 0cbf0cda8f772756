package dev.modelapi.errors;


/**
 * Bad input: the caller can fix it, so it is answered with a 4xx, never retried and never a 5xx.
 * {@code status} is the HTTP status that the HTTP ingress answers with.
 */
public class InvalidRequestException extends InferenceException {

    private final int status;

    public InvalidRequestException(int status, String code, String message) {
        super(code, message, null);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static InvalidRequestException badRequest(String code, String message) {
        return new InvalidRequestException(400, code, message);
    }

    public static InvalidRequestException tooLarge(String code, String message) {
        return new InvalidRequestException(413, code, message);
    }
}
