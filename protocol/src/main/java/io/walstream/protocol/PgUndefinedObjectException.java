package io.walstream.protocol;

import io.walstream.protocol.message.backend.ErrorFields;

/** The named object does not exist (42704), e.g. dropping or reading a missing replication slot. */
public final class PgUndefinedObjectException extends PgServerException {

    private static final long serialVersionUID = 1L;

    public PgUndefinedObjectException(ErrorFields fields) {
        super(fields);
    }
}
