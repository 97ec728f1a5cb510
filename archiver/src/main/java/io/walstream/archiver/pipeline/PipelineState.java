package io.walstream.archiver.pipeline;

import java.util.concurrent.atomic.AtomicReference;

/** Positions and the first failure, shared by the stages and read by the I/O thread for feedback. */
final class PipelineState {

    /** End of the last byte written to a file (by the writer). */
    volatile long written;
    /** End of the last byte that is durable (by the flusher); never ahead of {@link #written}. */
    volatile long durable;
    /** End of the last WAL record whose CRC matched (by the verifier); 0 when verification is off. */
    volatile long verified;
    volatile long segmentsCompleted;
    volatile long fsyncs;
    /** True while the writer waits for space (ENOSPC); reading the socket stops through back-pressure. */
    volatile boolean diskFull;
    /** How many times the disk filled up. */
    volatile long diskFullEvents;
    /** True while the writer waits before a new segment because the spool holds too much not yet uploaded. */
    volatile boolean spoolFull;
    /** How many times the spool limit paused receiving. */
    volatile long spoolFullEvents;
    /** Set when the pipeline is being abandoned (stop while the disk is full): waits give up. */
    volatile boolean abandoning;
    /** Server send time (PgEpoch micros) of the WAL ending at {@link #durable}; 0 if unknown. */
    volatile long durableSendTime;
    /** Chunks the verifier rejected (each one stops the pipeline). */
    volatile long verificationFailures;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    boolean failed() {
        return failure.get() != null;
    }

    Throwable failure() {
        return failure.get();
    }

    /** Records the first failure; returns true if this was it. */
    boolean fail(Throwable cause) {
        return failure.compareAndSet(null, cause);
    }
}
