package io.walstream.archiver.pipeline;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslator;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import io.walstream.protocol.message.backend.XLogData;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The stages on threads of their own, behind an LMAX Disruptor ring of preallocated {@link WalEvent}s:
 * the stages {@code beside} each other handle an event in parallel (writer, verifier, receipt log),
 * then the {@code last} one (the flusher) releases it. The I/O thread only publishes, so receiving
 * goes on while a segment is fsynced.
 */
final class RingEngine implements StageEngine {

    /** Below this many free slots the sink asks the stream to stop reading. */
    private static final int LOW_WATER_SLOTS = 64;
    /** How long a stage waits for an event before its {@link PipelineStage#onIdle()} runs. */
    private static final long IDLE_MILLIS = 100;

    private final Disruptor<WalEvent> disruptor;
    private final RingBuffer<WalEvent> ring;

    RingEngine(int ringSize, List<PipelineStage> beside, PipelineStage last, Consumer<Throwable> onFailure) {
        StageWaitStrategy wait = new StageWaitStrategy(IDLE_MILLIS, TimeUnit.MILLISECONDS);
        this.disruptor = new Disruptor<>(WalEvent::new, ringSize, DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
                wait);
        @SuppressWarnings("unchecked")
        EventHandler<WalEvent>[] upstream = beside.stream().map(s -> new Upstream(s, wait)).toArray(EventHandler[]::new);
        disruptor.handleEventsWith(upstream).then(new Handler(last));
        disruptor.setDefaultExceptionHandler(new FailureHandler(onFailure));
        this.ring = disruptor.start();
    }

    @Override
    public void publish(EventTranslatorOneArg<WalEvent, XLogData> translator, XLogData data) {
        ring.publishEvent(translator, data);
    }

    @Override
    public void publish(EventTranslator<WalEvent> step) {
        ring.publishEvent(step);
    }

    @Override
    public void endOfRead() {
        // the ring's batches end where each stage catches up, not at the socket's reads
    }

    @Override
    public boolean hasRoom() {
        return ring.remainingCapacity() > LOW_WATER_SLOTS;
    }

    @Override
    public long occupancy() {
        return ring.getBufferSize() - ring.remainingCapacity();
    }

    @Override
    public int capacity() {
        return ring.getBufferSize();
    }

    @Override
    public void shutdown() {
        try {
            disruptor.shutdown(30, TimeUnit.SECONDS);
        } catch (com.lmax.disruptor.TimeoutException e) {
            disruptor.halt();
        }
    }

    /** A stage as the Disruptor calls it: the end of its batch is {@link PipelineStage#onEndOfBatch()}. */
    private static class Handler implements EventHandler<WalEvent> {
        final PipelineStage stage;
        /** {@link PipelineStage#readsData()}, asked once rather than per event. */
        private final boolean readsData;

        Handler(PipelineStage stage) {
            this.stage = stage;
            this.readsData = stage.readsData();
        }

        @Override
        public void onEvent(WalEvent event, long sequence, boolean endOfBatch) throws Exception {
            try {
                stage.onEvent(event);
            } finally {
                if (readsData) {
                    event.doneReading();
                }
            }
            if (endOfBatch) {
                stage.onEndOfBatch();
            }
        }

        @Override
        public void onTimeout(long sequence) {
            stage.onIdle();
        }

        @Override
        public void onShutdown() {
            stage.onShutdown();
        }
    }

    /**
     * A stage others wait for: after each event it advances its own sequence and wakes them
     * ({@link StageWaitStrategy}), instead of leaving that to the end of its batch.
     */
    private static final class Upstream extends Handler {
        private final StageWaitStrategy wait;
        private Sequence sequence;

        Upstream(PipelineStage stage, StageWaitStrategy wait) {
            super(stage);
            this.wait = wait;
        }

        @Override
        public void setSequenceCallback(Sequence sequenceCallback) {
            this.sequence = sequenceCallback;
        }

        @Override
        public void onEvent(WalEvent event, long seq, boolean endOfBatch) throws Exception {
            try {
                super.onEvent(event, seq, endOfBatch);
            } finally {
                sequence.set(seq);
                wait.signalAllWhenBlocking();
            }
        }
    }

    private record FailureHandler(Consumer<Throwable> onFailure) implements ExceptionHandler<Object> {
        @Override
        public void handleEventException(Throwable ex, long sequence, Object event) {
            onFailure.accept(ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            onFailure.accept(ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            // closing files at shutdown; the data was already handled
        }
    }
}
