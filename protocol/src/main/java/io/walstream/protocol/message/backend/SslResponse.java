package io.walstream.protocol.message.backend;

/** The single-byte answer to an SSLRequest, decoded by {@link SslResponseDecoder}. */
public enum SslResponse implements BackendMessage {
    /** {@code 'S'}: start the TLS handshake now. */
    ACCEPTED('S'),
    /** {@code 'N'}: the server will not do TLS; continue in plain text or give up. */
    REFUSED('N');

    private final char wireChar;

    SslResponse(char wireChar) {
        this.wireChar = wireChar;
    }

    public char wireChar() {
        return wireChar;
    }
}
