package io.walstream.protocol.message.backend;

/** EmptyQueryResponse ({@code 'I'}): the query string was empty. */
public final class EmptyQueryResponse implements BackendMessage {

    public static final EmptyQueryResponse INSTANCE = new EmptyQueryResponse();

    private EmptyQueryResponse() {
    }

    @Override
    public String toString() {
        return "EmptyQueryResponse";
    }
}
