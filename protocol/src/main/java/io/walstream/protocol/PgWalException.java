package io.walstream.protocol;

/** Root of walstream's unchecked exceptions (except {@link ProtocolViolationException}, see {@link PgWalError}). */
public class PgWalException extends RuntimeException implements PgWalError {

    private static final long serialVersionUID = 1L;

    public PgWalException(String message) {
        super(message);
    }

    public PgWalException(String message, Throwable cause) {
        super(message, cause);
    }
}
