package io.walstream.archiver.pipeline;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

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

    private static final AtomicIntegerFieldUpdater<WalEvent> READERS =
            AtomicIntegerFieldUpdater.newUpdater(WalEvent.class, "readers");

    Kind kind;
    ByteBuf data;
    /**
     * Stages that read {@link #data} ({@link PipelineStage#readsData()}) and are not done with it: the last one
     * releases it, so a buffer is not held while the flusher fsyncs (which would stop the socket being read).
     */
    volatile int readers;
    /** Told when {@link #data} is released. */
    Flusher.FlushReport report;
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

    /** A stage that reads {@link #data} is done with it; the engine calls this after the stage's onEvent. */
    void doneReading() {
        if (data != null && READERS.decrementAndGet(this) == 0) {
            data.release();
            report.released((int) (end - start)); // the length of data: XLogData's end is its start plus that
        }
    }

    void clear() {
        kind = null;
        data = null;
        done = null;
        current = null;
        completed = null;
    }
}
