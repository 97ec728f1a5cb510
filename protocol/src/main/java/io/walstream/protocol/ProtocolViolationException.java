package io.walstream.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * The server sent something the protocol does not allow (bad length, unknown type, malformed body).
 * The connection cannot be trusted afterwards and must be closed.
 */
public class ProtocolViolationException extends DecoderException implements PgWalError {

    private static final long serialVersionUID = 1L;

    public ProtocolViolationException(String message) {
        super(message);
    }

    public ProtocolViolationException(String message, Throwable cause) {
        super(message, cause);
    }
}
