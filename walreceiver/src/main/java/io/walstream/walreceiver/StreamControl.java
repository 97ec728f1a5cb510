package io.walstream.walreceiver;

/**
 * What a {@link WalSink} may ask of the stream feeding it, from any thread: the Netty client's
 * {@link ReplicationStream} and the pgjdbc-based {@link io.walstream.walreceiver.jdbc.PgJdbcWalSource}.
 */
public interface StreamControl {

    /** Read again after the sink returned false from {@link WalSink#onWal}. */
    void resumeReading();

    /** Send a status update with the sink's positions soon (e.g. right after an fsync). */
    void sendStatusNow();

    /** End the stream (CopyDone); it ends as stopped by the client. */
    void stop();
}
