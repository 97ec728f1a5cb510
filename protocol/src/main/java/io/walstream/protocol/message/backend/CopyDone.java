package io.walstream.protocol.message.backend;

/** CopyDone ({@code 'c'}): in a replication stream, the server reached the end of the timeline. */
public final class CopyDone implements BackendMessage {

    public static final CopyDone INSTANCE = new CopyDone();

    private CopyDone() {
    }

    @Override
    public String toString() {
        return "CopyDone";
    }
}
