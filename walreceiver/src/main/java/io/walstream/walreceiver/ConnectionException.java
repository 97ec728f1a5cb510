package io.walstream.walreceiver;

import io.walstream.protocol.PgWalException;

/** The client could not connect, negotiate TLS, authenticate as required, or lost the connection. */
public final class ConnectionException extends PgWalException {
    private static final long serialVersionUID = 1L;

    public ConnectionException(String message) {
        super(message);
    }

    public ConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
