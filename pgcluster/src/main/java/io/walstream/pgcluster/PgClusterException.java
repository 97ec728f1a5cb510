package io.walstream.pgcluster;

/** A PostgreSQL server could not be found, started, stopped or queried; the message says what to do. */
public final class PgClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PgClusterException(String message) {
        super(message);
    }

    public PgClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
