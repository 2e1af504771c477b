package io.tributary.schemas.registry;

import java.util.Optional;

/**
 * A schema registry call that failed, with the HTTP status (0 when there was no answer) and the registry's
 * own error code and message.
 *
 * <p>For a reader of a topic, a registry failure is never a fault of the record being read: the record names
 * its schema by id, and an id the registry does not know (HTTP 404, error code 40403) is just as likely a
 * registry restarted without its storage, a failover to another registry or a wrong URL path as a bad id.
 * Readers therefore retry and, when the registry stays broken, stop without committing past the record;
 * they never dead-letter it ({@link #in(Throwable)} finds the failure behind a wrapping exception).
 */
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

    /**
     * Worth the client's own short retry: no answer, a 5xx, 408 (timeout) or 429 (rate limit). Other answers
     * (401, 403, 404, 409 incompatible, 422 invalid) do not change by asking again at once.
     */
    public boolean retriable() {
        return status == 0 || status >= 500 || status == 408 || status == 429;
    }

    /** The registry failure in {@code e}'s cause chain, if any. */
    public static Optional<RegistryException> in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RegistryException r) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** What an operator can do about an answer with {@code status} (and the registry's {@code errorCode}). */
    static String hint(int status, int errorCode) {
        return switch (status) {
            case 0 -> "check registry.url and that the registry is running";
            case 401 -> "the registry wants credentials: set registry.user and registry.password, or registry.token";
            case 403 -> "the registry refused these credentials this call: give the user or token read and write access";
            case 404 -> errorCode == 40403
                    ? "the registry does not know this schema id: was it restarted without its storage, or does registry.url "
                        + "point at another registry? Restore the registry's storage; the record stays where it is until then"
                    : "check the path of registry.url (for Apicurio: .../apis/ccompat/v7)";
            case 409 -> "the schema is incompatible with the subject's earlier versions under its compatibility level "
                    + "(registry.compatibility): change the source table compatibly, or relax the level";
            case 429 -> "the registry is rate-limiting this client; it is retried";
            default -> status >= 500 ? "the registry failed; it is retried" : "see the registry's message";
        };
    }
}
