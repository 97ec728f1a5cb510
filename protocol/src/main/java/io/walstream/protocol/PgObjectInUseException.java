package io.walstream.protocol;

import io.walstream.protocol.message.backend.ErrorFields;

/** The object is in use (55006), e.g. a replication slot active for another connection. */
public final class PgObjectInUseException extends PgServerException {

    private static final long serialVersionUID = 1L;

    public PgObjectInUseException(ErrorFields fields) {
        super(fields);
    }
}
