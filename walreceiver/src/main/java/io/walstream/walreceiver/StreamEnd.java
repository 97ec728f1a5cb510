package io.walstream.walreceiver;

import io.walstream.protocol.replication.NextTimeline;

/** Why a START_REPLICATION stream ended without an error. */
public sealed interface StreamEnd {

    /** The timeline ended (server CopyDone, or START at the switch point); streaming may go on at {@code next}. */
    record EndOfTimeline(int endedTimeline, NextTimeline next) implements StreamEnd {
    }

    /** We sent CopyDone ({@link ReplicationStream#stop()}) and the server finished the command. */
    record StoppedByClient() implements StreamEnd {
    }

    /** The server ended the stream without a next timeline, as it does when it shuts down. */
    record ServerShutdown(String commandTag) implements StreamEnd {
    }
}
