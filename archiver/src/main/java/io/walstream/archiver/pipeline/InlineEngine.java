package io.walstream.archiver.pipeline;

import com.lmax.disruptor.EventTranslator;
import com.lmax.disruptor.EventTranslatorOneArg;
import io.walstream.protocol.message.backend.XLogData;
import java.util.List;
import java.util.function.Consumer;

/**
 * The stages without a ring, on the caller's thread, for a synchronous standby: as pg_receivewal and
 * PostgreSQL's walreceiver do, each message is written and verified as it arrives, and the end of
 * the socket read is the end of the batch, where the {@link Flusher} fsyncs and answers. A commit
 * waits for us there, and every hand-over between threads would be a wake-up on a busy machine;
 * instead the kernel's socket buffer gathers what arrives during an fsync into the next read, which
 * is the group commit.
 *
 * <p>One preallocated event; the stages run in turn under a lock, so the I/O thread and control steps
 * from the receiver's thread never interleave. A stage's exception fails the pipeline and the later
 * stages still see the event, as in the ring, so the stages that read its bytes release them and the
 * flusher completes a waiting control step.
 */
final class InlineEngine implements StageEngine {

    private final PipelineStage[] stages;
    /** Which of {@link #stages} read an event's bytes ({@link PipelineStage#readsData()}), asked once. */
    private final boolean[] readsData;
    private final Consumer<Throwable> onFailure;
    private final WalEvent event = new WalEvent();
    private final Object lock = new Object();
    /** Events since the last end of a batch. */
    private boolean inBatch;

    InlineEngine(List<PipelineStage> stages, Consumer<Throwable> onFailure) {
        this.stages = stages.toArray(PipelineStage[]::new);
        this.readsData = new boolean[this.stages.length];
        for (int i = 0; i < this.stages.length; i++) {
            readsData[i] = this.stages[i].readsData();
        }
        this.onFailure = onFailure;
    }

    @Override
    public void publish(EventTranslatorOneArg<WalEvent, XLogData> translator, XLogData data) {
        synchronized (lock) {
            translator.translateTo(event, 0, data);
            handle();
        }
    }

    /** A control step is a batch of its own, as when it reaches a ring's idle stages. */
    @Override
    public void publish(EventTranslator<WalEvent> step) {
        synchronized (lock) {
            step.translateTo(event, 0);
            handle();
            endOfBatch();
        }
    }

    @Override
    public void endOfRead() {
        synchronized (lock) {
            if (inBatch) {
                endOfBatch();
            }
        }
    }

    private void handle() {
        inBatch = true;
        for (int i = 0; i < stages.length; i++) {
            try {
                stages[i].onEvent(event);
            } catch (Throwable ex) {
                onFailure.accept(ex);
            } finally {
                if (readsData[i]) {
                    event.doneReading();
                }
            }
        }
    }

    private void endOfBatch() {
        inBatch = false;
        for (PipelineStage stage : stages) {
            try {
                stage.onEndOfBatch();
            } catch (Throwable ex) {
                onFailure.accept(ex);
            }
        }
    }

    @Override
    public boolean hasRoom() {
        return true;
    }

    @Override
    public long occupancy() {
        return 0;
    }

    @Override
    public int capacity() {
        return 0;
    }

    @Override
    public void shutdown() {
        synchronized (lock) {
            for (PipelineStage stage : stages) {
                try {
                    stage.onShutdown();
                } catch (RuntimeException ignored) {
                    // closing files at shutdown; the data was already handled
                }
            }
        }
    }
}
