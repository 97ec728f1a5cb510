package io.walstream.protocol.message.backend;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.PgServerException;
import java.util.Objects;

/** ErrorResponse ({@code 'E'}): the command failed; {@link io.walstream.protocol.PgServerException#of} turns it into an exception. */
public record ErrorResponse(ErrorFields fields) implements BackendMessage {

    public ErrorResponse {
        Objects.requireNonNull(fields, "fields");
    }

    /** The exception to throw for this error, typed by SQLSTATE. */
    public PgServerException toException() {
        return PgServerException.of(fields);
    }

    static ErrorResponse decode(ByteBuf body) {
        return new ErrorResponse(ErrorFields.decode(body, "ErrorResponse"));
    }
}
