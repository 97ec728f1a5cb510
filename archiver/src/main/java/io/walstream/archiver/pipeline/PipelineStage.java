package io.walstream.archiver.pipeline;

/**
 * One step of the receive pipeline: {@link SegmentWriter}, {@link VerifierStage}, {@link ReceiptLog},
 * {@link Flusher}. Either engine runs it: {@link RingEngine} on a thread of its own behind a Disruptor
 * ring, {@link InlineEngine} on the connection's I/O thread. A stage sees every event in order and
 * does not know which engine runs it.
 */
interface PipelineStage {

    /** The next event: received WAL or a control step ({@link WalEvent.Kind}). */
    void onEvent(WalEvent event) throws Exception;

    /**
     * No further event is waiting: the end of a ring batch, or of a socket read inline. Work a stage
     * gathers over several events (publishing a position, writing a buffer, an fsync) is due here.
     */
    default void onEndOfBatch() throws Exception {
    }

    /**
     * Whether this stage reads an event's WAL bytes. The engine tells the event after such a stage's onEvent
     * ({@link WalEvent#doneReading()}), and the last of them releases the buffer.
     */
    default boolean readsData() {
        return false;
    }

    /** Nothing arrived for a while (ring only; inline, nothing runs without an event): timed work. */
    default void onIdle() {
    }

    /** The engine stops: close files. */
    default void onShutdown() {
    }
}
