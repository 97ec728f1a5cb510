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
import io.walstream.archiver.ArchiveDirectory;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.metrics.LatencyHistogram;
import io.walstream.archiver.verify.WalChunkVerifier;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.replication.NextTimeline;
import io.walstream.protocol.replication.TimelineHistoryFile;
import io.walstream.walreceiver.StreamControl;
import io.walstream.walreceiver.WalSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Received WAL into an {@link ArchiveDirectory} through an LMAX Disruptor ring of preallocated
 * slots: the I/O thread publishes each XLogData; {@link SegmentWriter} and {@link RecordVerifier}
 * handle it in parallel; then the {@link Flusher} makes it durable and releases it. As a
 * {@link WalSink} it reports the writer's and the flusher's positions, so the server is never
 * told WAL is flushed before it is fsynced. When too many bytes are in flight it asks the client
 * to stop reading the socket, and resumes it once the stages catch up.
 *
 * <p>With {@link FsyncPolicy.Mode#SYNCHRONOUS} the same three stages run inline on the I/O thread
 * instead, as pg_receivewal and PostgreSQL's walreceiver do: write and verify each message, then
 * at the end of each socket read fsync once and report the flush. There a commit waits for us, and
 * every hand-over between threads is a wake-up on a busy machine (three of them between receiving a
 * commit record and answering it); in the ring's place the kernel's socket buffer gathers what
 * arrives during an fsync into the next read, which is the group commit.
 */
public final class ArchivePipeline implements WalSink, AutoCloseable {

    /** Pipeline settings; {@code ringSize} a power of two. */
    public record Settings(FsyncPolicy fsync, WalChunkVerifier verifier, int ringSize, long maxBytesInFlight,
            SegmentCompletionListener onSegment, boolean receiptLog) {

        public static Settings defaults() {
            return new Settings(FsyncPolicy.defaults(), WalChunkVerifier.NONE, 1024, 64L << 20, (name, file) -> { },
                    false);
        }

        public Settings withFsync(FsyncPolicy policy) {
            return new Settings(policy, verifier, ringSize, maxBytesInFlight, onSegment, receiptLog);
        }

        public Settings withVerifier(WalChunkVerifier v) {
            return new Settings(fsync, v, ringSize, maxBytesInFlight, onSegment, receiptLog);
        }

        public Settings withOnSegment(SegmentCompletionListener listener) {
            return new Settings(fsync, verifier, ringSize, maxBytesInFlight, listener, receiptLog);
        }

        /** Also log when each message arrived ({@link ReceiptLog}). */
        public Settings withReceiptLog(boolean on) {
            return new Settings(fsync, verifier, ringSize, maxBytesInFlight, onSegment, on);
        }
    }

    /** Told, on the flusher's thread, about each segment once it is complete and durable under its final name. */
    public interface SegmentCompletionListener {
        void completed(io.walstream.protocol.WalFileName segment, java.nio.file.Path file);
    }

    /** Fills a ring slot from an XLogData; reads the clock only when there is a receipt log. */
    private final EventTranslatorOneArg<WalEvent, XLogData> wal;

    private final ArchiveDirectory dir;
    private final WalSegmentSize segmentSize;
    private final Settings settings;
    private final PipelineState state = new PipelineState();
    private final Disruptor<WalEvent> disruptor;
    private final RingBuffer<WalEvent> ring;
    /** Synchronous mode: the stages in order, run by whoever holds {@link #inlineLock}; else null. */
    private final Inline inline;
    private final AtomicLong bytesInFlight = new AtomicLong();
    private final AtomicBoolean readingPaused = new AtomicBoolean();
    private final CompletableFuture<Void> failed = new CompletableFuture<>();
    private final AtomicLong received = new AtomicLong();
    private volatile StreamControl stream;
    private volatile long stopAt = Long.MAX_VALUE;
    private volatile LongConsumer durableListener = lsn -> { };

    public ArchivePipeline(ArchiveDirectory dir, WalSegmentSize segmentSize, Settings settings) {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.settings = settings;
        SegmentWriter writer = new SegmentWriter(dir, segmentSize, state);
        RecordVerifier verifier = new RecordVerifier(settings.verifier(), state, dir, segmentSize);
        Flusher flusher = new Flusher(dir, settings.fsync(), state, this::durableAdvanced, this::released,
                segment -> settings.onSegment().completed(segment.name, segment.completePath),
                settings.verifier() != WalChunkVerifier.NONE);
        ReceiptLog receipts = settings.receiptLog() ? new ReceiptLog(dir.path(), segmentSize) : null;
        ReceiptClock clock = receipts != null ? new ReceiptClock(java.time.Clock.systemUTC()) : null;
        this.wal = (event, sequence, data) -> {
            event.kind = WalEvent.Kind.WAL;
            event.data = data.content();
            event.start = data.dataStart();
            event.end = data.dataEnd();
            event.sendTime = data.sendTime();
            event.receivedMicros = clock != null ? clock.nowMicros() : 0;
        };
        if (settings.fsync().mode() == FsyncPolicy.Mode.SYNCHRONOUS) {
            this.disruptor = null;
            this.ring = null;
            this.inline = new Inline(writer, verifier, receipts, flusher);
        } else {
            StageWaitStrategy wait = new StageWaitStrategy(100, TimeUnit.MILLISECONDS);
            this.disruptor = new Disruptor<>(WalEvent::new, settings.ringSize(), DaemonThreadFactory.INSTANCE,
                    ProducerType.MULTI, wait);
            if (receipts != null) {
                disruptor.handleEventsWith(new Upstream(writer, wait), new Upstream(verifier, wait),
                        new Upstream(receipts, wait)).then(flusher);
            } else {
                disruptor.handleEventsWith(new Upstream(writer, wait), new Upstream(verifier, wait)).then(flusher);
            }
            disruptor.setDefaultExceptionHandler(new FailureHandler());
            this.ring = disruptor.start();
            this.inline = null;
        }
    }

    // ------------------------------------------------------------------ control

    /** Streaming starts (or starts again) at {@code start} on {@code timeline}. Blocks until the stages know. */
    public void startAt(int timeline, Lsn start) {
        if (start.segmentOffset(segmentSize) != 0) {
            throw new IllegalArgumentException("streaming into an archive starts at a segment boundary, not " + start);
        }
        control(WalEvent.Kind.RESTART, timeline, start.value());
    }

    /** The stream WAL is coming from, so the pipeline can resume its reading and send feedback. */
    public void attach(StreamControl current) {
        this.stream = current;
    }

    /** Ask the stream to stop once this much WAL is durable (pg_receivewal -E). */
    public void stopAt(Lsn endLsn) {
        this.stopAt = endLsn.value();
    }

    /** Called with each new durable position, on the flusher's thread. */
    public void onDurable(LongConsumer listener) {
        this.durableListener = listener;
    }

    /** fsyncs everything written so far (whatever the policy) and waits for it. */
    public void flush() {
        control(WalEvent.Kind.FLUSH, 0, 0);
    }

    /** Completes exceptionally with the first defect or I/O failure of any stage. */
    public CompletableFuture<Void> failure() {
        return failed;
    }

    private void control(WalEvent.Kind kind, int timeline, long lsn) {
        throwIfFailed();
        CompletableFuture<Void> done = new CompletableFuture<>();
        EventTranslator<WalEvent> step = (event, sequence) -> {
            event.kind = kind;
            event.timeline = timeline;
            event.lsn = lsn;
            event.done = done;
        };
        if (inline != null) {
            inline.run(step);
        } else {
            ring.publishEvent(step);
        }
        try {
            done.get(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArchiveException("interrupted waiting for the archive pipeline", dir.path(), null, e);
        } catch (ExecutionException e) {
            throwIfFailed();
            throw new ArchiveException("archive pipeline failed: " + e.getCause(), dir.path(), null, e.getCause());
        } catch (TimeoutException e) {
            throw new ArchiveException("archive pipeline did not answer in 5 minutes", dir.path(), null, e);
        }
    }

    private void throwIfFailed() {
        Throwable cause = state.failure();
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause != null) {
            throw new ArchiveException(String.valueOf(cause.getMessage()), dir.path(), null, cause);
        }
    }

    // ------------------------------------------------------------------ WalSink, on the I/O thread

    @Override
    public boolean onWal(XLogData data) {
        if (state.failed()) {
            data.release();
            return true;
        }
        int bytes = data.content().readableBytes();
        long inFlight = bytesInFlight.addAndGet(bytes);
        received.addAndGet(bytes);
        if (inline != null) {
            inline.run(wal, data);
            return true;
        }
        ring.publishEvent(wal, data);
        if (inFlight < settings.maxBytesInFlight() && ring.remainingCapacity() > 64) {
            return true;
        }
        readingPaused.set(true);
        // The flusher may have drained everything before it could see the flag: check again.
        if (bytesInFlight.get() < settings.maxBytesInFlight() / 2 && readingPaused.compareAndSet(true, false)) {
            return true;
        }
        return false;
    }

    /** Synchronous mode: the end of a socket read is the end of a batch; make it durable and report it. */
    @Override
    public void onReadComplete() {
        if (inline != null && !state.failed()) {
            inline.syncIfWritten();
        }
    }

    @Override
    public long writtenLsn() {
        return state.written;
    }

    @Override
    public long flushedLsn() {
        return state.durable;
    }

    @Override
    public Lsn onTimelineSwitch(int endedTimeline, NextTimeline next, TimelineHistoryFile history) {
        dir.writeHistory(next.timeline(), history.content());
        // As pg_receivewal: the old timeline's last segment stays .partial, and the new timeline's
        // copy of that segment is streamed again from its start.
        Lsn restart = next.startPosition().segmentStart(segmentSize);
        control(WalEvent.Kind.RESTART, next.timeline(), restart.value());
        return restart;
    }

    // ------------------------------------------------------------------ stage callbacks

    private void released(long bytes) {
        long inFlight = bytesInFlight.addAndGet(-bytes);
        if (inFlight < settings.maxBytesInFlight() / 2 && readingPaused.compareAndSet(true, false)) {
            StreamControl s = stream;
            if (s != null) {
                s.resumeReading();
            }
        }
    }

    private void durableAdvanced(long lsn) {
        StreamControl s = stream;
        if (s != null) {
            if (lsn >= stopAt) {
                s.stop();
            } else if (settings.fsync().mode() != FsyncPolicy.Mode.NONE) {
                s.sendStatusNow();
            }
        }
        durableListener.accept(lsn);
    }

    // ------------------------------------------------------------------ progress

    public long receivedBytes() {
        return received.get();
    }

    public long bytesInFlight() {
        return bytesInFlight.get();
    }

    public long segmentsCompleted() {
        return state.segmentsCompleted;
    }

    public long fsyncs() {
        return state.fsyncs;
    }

    public long verifiedLsn() {
        return state.verified;
    }

    /** True while writing waits for disk space. */
    public boolean diskFull() {
        return state.diskFull;
    }

    public long diskFullEvents() {
        return state.diskFullEvents;
    }

    /** Stop waiting for disk space: a stage waiting for it fails, so closing does not hang. */
    public void abandonWaits() {
        state.abandoning = true;
    }

    public WalSegmentSize segmentSize() {
        return segmentSize;
    }

    // ------------------------------------------------------------------ metrics (any thread)

    /** Ring slots published but not yet released by the flusher. */
    public long ringOccupancy() {
        return ring == null ? 0 : ring.getBufferSize() - ring.remainingCapacity();
    }

    /** 0 in synchronous mode, which runs the stages on the I/O thread without a ring. */
    public int ringCapacity() {
        return ring == null ? 0 : ring.getBufferSize();
    }

    public long verificationFailures() {
        return state.verificationFailures;
    }

    /** The server's clock (PgEpoch microseconds) when it sent the WAL that is now durable; 0 if unknown. */
    public long durableSendTime() {
        return state.durableSendTime;
    }

    public LatencyHistogram.Snapshot fsyncLatency() {
        return state.fsyncLatency.snapshot();
    }

    /** Flushes what is written (unless a stage failed) and stops the stage threads. */
    @Override
    public void close() {
        try {
            if (!state.failed()) {
                flush();
            }
        } finally {
            if (inline != null) {
                inline.shutdown();
            } else {
                try {
                    disruptor.shutdown(30, TimeUnit.SECONDS);
                } catch (com.lmax.disruptor.TimeoutException e) {
                    disruptor.halt();
                }
            }
        }
    }

    private void failed(Throwable ex) {
        state.fail(ex);
        if (failed.completeExceptionally(state.failure())) {
            StreamControl s = stream;
            if (s != null) {
                s.stop();
            }
        }
    }

    /**
     * A stage others wait for: after each event it advances its own sequence and wakes them
     * ({@link StageWaitStrategy}), instead of leaving that to the end of its batch.
     */
    private static final class Upstream implements EventHandler<WalEvent> {
        private final EventHandler<WalEvent> stage;
        private final StageWaitStrategy wait;
        private Sequence sequence;

        Upstream(EventHandler<WalEvent> stage, StageWaitStrategy wait) {
            this.stage = stage;
            this.wait = wait;
        }

        @Override
        public void setSequenceCallback(Sequence sequenceCallback) {
            this.sequence = sequenceCallback;
        }

        @Override
        public void onEvent(WalEvent event, long seq, boolean endOfBatch) throws Exception {
            try {
                stage.onEvent(event, seq, endOfBatch);
            } finally {
                sequence.set(seq);
                wait.signalAllWhenBlocking();
            }
        }

        @Override
        public void onStart() {
            stage.onStart();
        }

        @Override
        public void onShutdown() {
            stage.onShutdown();
        }

        @Override
        public void onTimeout(long seq) throws Exception {
            stage.onTimeout(seq);
        }
    }

    /**
     * The stages without the ring, for synchronous mode: one preallocated event, each stage called in
     * turn under a lock (the I/O thread and control calls from the receiver's thread never interleave).
     * A stage's exception fails the pipeline and the later stages still see the event, as in the ring,
     * so the flusher releases its bytes and completes a waiting control call.
     */
    private final class Inline {
        private final SegmentWriter writer;
        private final RecordVerifier verifier;
        private final ReceiptLog receipts;
        private final Flusher flusher;
        private final WalEvent event = new WalEvent();
        private final Object lock = new Object();
        private long sequence;
        private boolean unsynced;

        Inline(SegmentWriter writer, RecordVerifier verifier, ReceiptLog receipts, Flusher flusher) {
            this.writer = writer;
            this.verifier = verifier;
            this.receipts = receipts;
            this.flusher = flusher;
        }

        void run(EventTranslatorOneArg<WalEvent, XLogData> translator, XLogData data) {
            synchronized (lock) {
                translator.translateTo(event, sequence, data);
                unsynced = true;
                handle(false);
            }
        }

        void run(EventTranslator<WalEvent> translator) {
            synchronized (lock) {
                translator.translateTo(event, sequence);
                handle(true);
            }
        }

        void syncIfWritten() {
            synchronized (lock) {
                if (unsynced) {
                    event.kind = WalEvent.Kind.FLUSH;
                    handle(true);
                }
            }
        }

        private void handle(boolean endOfBatch) {
            long seq = sequence++;
            if (event.kind != WalEvent.Kind.WAL) {
                unsynced = false; // RESTART and FLUSH both leave everything written durable
            }
            try {
                writer.onEvent(event, seq, true);
            } catch (Throwable ex) {
                failed(ex);
            }
            try {
                verifier.onEvent(event, seq, true);
            } catch (Throwable ex) {
                failed(ex);
            }
            if (receipts != null) {
                try {
                    receipts.onEvent(event, seq, endOfBatch);
                } catch (Throwable ex) {
                    failed(ex);
                }
            }
            try {
                flusher.onEvent(event, seq, endOfBatch);
            } catch (Throwable ex) {
                failed(ex);
            }
        }

        void shutdown() {
            synchronized (lock) {
                if (receipts != null) {
                    receipts.onShutdown();
                }
                writer.onShutdown();
                flusher.onShutdown();
            }
        }
    }

    private final class FailureHandler implements ExceptionHandler<Object> {
        @Override
        public void handleEventException(Throwable ex, long sequence, Object event) {
            failed(ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            failed(ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            // closing files at shutdown; the data was already handled
        }
    }
}
