package io.walstream.archiver.pipeline;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/** One preallocated ring slot: received WAL bytes or a control step, plus what the stages learned about it. */
final class WalEvent {

    enum Kind {
        /** {@link #data} holds WAL from {@link #start} to {@link #end}. */
        WAL,
        /** Close the current segment (it stays .partial) and continue at {@link #lsn} on {@link #timeline}. */
        RESTART,
        /** fsync everything written so far. */
        FLUSH
    }

    Kind kind;
    ByteBuf data;
    long start;
    long end;
    /** The server's clock when it sent this WAL (PgEpoch microseconds), for lag in seconds. */
    long sendTime;
    /** Our clock when the I/O thread handed it over (PgEpoch microseconds), for the receipt log. */
    long receivedMicros;
    int timeline;
    long lsn;
    /** Completed when the last stage has handled this event (control events only). */
    CompletableFuture<Void> done;

    // Set by the writer for the flusher.
    SegmentFile current;
    SegmentFile completed;

    void clear() {
        kind = null;
        data = null;
        done = null;
        current = null;
        completed = null;
    }
}
