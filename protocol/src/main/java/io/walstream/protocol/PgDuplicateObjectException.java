package io.walstream.protocol;

import io.walstream.protocol.message.backend.ErrorFields;

/** The object already exists (42710), e.g. creating a replication slot that exists. */
public final class PgDuplicateObjectException extends PgServerException {

    private static final long serialVersionUID = 1L;

    public PgDuplicateObjectException(ErrorFields fields) {
        super(fields);
    }
}
