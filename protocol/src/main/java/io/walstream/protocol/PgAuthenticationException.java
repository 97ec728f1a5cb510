package io.walstream.protocol;

import io.walstream.protocol.message.backend.ErrorFields;

/** Authentication failed or was refused (SQLSTATE class 28). */
public final class PgAuthenticationException extends PgServerException {

    private static final long serialVersionUID = 1L;

    public PgAuthenticationException(ErrorFields fields) {
        super(fields);
    }
}
