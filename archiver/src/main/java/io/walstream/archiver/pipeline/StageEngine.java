package io.walstream.archiver.pipeline;

import com.lmax.disruptor.EventTranslator;
import com.lmax.disruptor.EventTranslatorOneArg;
import io.walstream.protocol.message.backend.XLogData;

/**
 * Runs the {@link PipelineStage}s over each event: {@link RingEngine} (threads and a ring, for
 * throughput) or {@link InlineEngine} (the caller's thread, for a synchronous standby's latency).
 * An engine decides nothing about the WAL; a stage's exception goes to the failure handler it was
 * built with, and the later stages still see the event; the stages that read its bytes release them
 * (after their own onEvent, failed or not).
 */
interface StageEngine {

    /** Received WAL, from the I/O thread. */
    void publish(EventTranslatorOneArg<WalEvent, XLogData> translator, XLogData data);

    /** A control step, from any thread; its {@link WalEvent#done} completes when the last stage is through. */
    void publish(EventTranslator<WalEvent> step);

    /** The end of a socket read, on the I/O thread: where an inline batch ends. */
    void endOfRead();

    /** False when the ring is nearly full (back-pressure); an inline engine is never full. */
    boolean hasRoom();

    /** Events published but not yet through the last stage. */
    long occupancy();

    /** Slots in the ring; 0 inline. */
    int capacity();

    /** Stops the stages (after the last event) and closes their files. */
    void shutdown();
}
