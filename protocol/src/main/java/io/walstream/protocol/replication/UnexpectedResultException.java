package io.walstream.protocol.replication;

import io.walstream.protocol.PgWalException;

/** A command result that does not have the shape its command promises: a missing column, a wrong row count, an unparsable value. */
public final class UnexpectedResultException extends PgWalException {

    private static final long serialVersionUID = 1L;

    public UnexpectedResultException(String message) {
        super(message);
    }

    public UnexpectedResultException(String message, Throwable cause) {
        super(message, cause);
    }
}
