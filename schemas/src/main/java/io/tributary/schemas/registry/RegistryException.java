package io.tributary.schemas.registry;

/** A schema registry call that failed, with the HTTP status and the registry's own error code and message. */
public final class RegistryException extends RuntimeException {
    private final int status;
    private final int errorCode;

    RegistryException(String message, int status, int errorCode, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }

    /** Network failures and 5xx answers are worth retrying; 4xx answers are not. */
    public boolean retriable() {
        return status == 0 || status >= 500;
    }
}
