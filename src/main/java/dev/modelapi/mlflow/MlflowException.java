package dev.modelapi.mlflow;

/**
 * MLflow could not give what was asked for. {@code status} is MLflow's HTTP status, 0 when it did not
 * answer at all; {@code errorCode} is MLflow's own code (such as {@code RESOURCE_DOES_NOT_EXIST}) when it sent one.
 */
class MlflowException extends Exception {

    private final int status;
    private final String errorCode;

    MlflowException(int status, String errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    int status() {
        return status;
    }

    String errorCode() {
        return errorCode;
    }

    boolean notFound() {
        return status == 404 || "RESOURCE_DOES_NOT_EXIST".equals(errorCode);
    }
}
