package io.walstream.walreceiver.conn;

/**
 * A connection setting that libpq would refuse: bad syntax, unknown keyword or invalid value.
 * Messages follow libpq's wording and name the keyword or position, but never contain a password.
 */
public final class ConnInfoException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConnInfoException(String message) {
        super(message);
    }
}
