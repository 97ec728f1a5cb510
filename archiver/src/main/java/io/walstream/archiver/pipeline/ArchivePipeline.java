package io.walstream.archiver.pipeline;

import io.walstream.archiver.store.ArchiveDirectory;
import com.lmax.disruptor.EventTranslator;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.verify.ReceivedWalVerifier;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.replication.NextTimeline;
import io.walstream.protocol.replication.TimelineHistoryFile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;

/**
 * Received WAL into an {@link ArchiveDirectory}: builds the stages ({@link SegmentWriter} and
 * {@link VerifierStage}, beside them the {@link ReceiptLog}, then the {@link Flusher}, which alone
 * decides fsync and the flush report), runs them on an engine, and is fed through its
 * {@link ArchiveSink}. The engine is a {@link RingEngine} (stage threads behind a Disruptor ring,
 * for throughput) unless the policy is {@link FsyncPolicy.Mode#SYNCHRONOUS}: then an
 * {@link InlineEngine} runs them on the I/O thread, as pg_receivewal does, since a commit waits.
 *
 * <pre>{@code
 * try (ArchivePipeline p = new ArchivePipeline(dir, segmentSize, ArchivePipeline.Settings.defaults())) {
 *     p.startAt(timeline, start);
 *     connection.streamFollowingTimelines(slot, start, timeline, p.sink(), p.sink()::attach);
 * }
 * }</pre>
 */
public final class ArchivePipeline implements AutoCloseable {

    /**
     * Pipeline settings; {@code ringSize} a power of two. {@code maxBytesInFlight}: received bytes the writer or the
     * verifier has not finished with, above which the socket is not read; small (8 MB by default), so that they read
     * WAL the I/O thread has just written, still in the CPU's caches (benchmarks/README.md, "Bytes in flight").
     * {@code fsyncDurations} is told, on the flusher's thread, how many nanoseconds each flush took to make written
     * WAL durable (file and directory fsyncs): keep it short and allocation-free, it runs next to every fsync.
     */
    public record Settings(FsyncPolicy fsync, ReceivedWalVerifier verifier, int ringSize, long maxBytesInFlight,
            SegmentCompletionListener onSegment, boolean receiptLog, LongConsumer fsyncDurations, SpoolGate spoolGate) {

        public Settings(FsyncPolicy fsync, ReceivedWalVerifier verifier, int ringSize, long maxBytesInFlight,
                SegmentCompletionListener onSegment, boolean receiptLog, LongConsumer fsyncDurations) {
            this(fsync, verifier, ringSize, maxBytesInFlight, onSegment, receiptLog, fsyncDurations, SpoolGate.OPEN);
        }

        public static Settings defaults() {
            return new Settings(FsyncPolicy.defaults(), ReceivedWalVerifier.NONE, 1024, 8L << 20, (name, file) -> { },
                    false, nanos -> { });
        }

        /** Consulted before each new segment is opened ({@code --spool-max}). */
        public Settings withSpoolGate(SpoolGate gate) {
            return new Settings(fsync, verifier, ringSize, maxBytesInFlight, onSegment, receiptLog, fsyncDurations, gate);
        }

        public Settings withFsync(FsyncPolicy policy) {
            return new Settings(policy, verifier, ringSize, maxBytesInFlight, onSegment, receiptLog, fsyncDurations,
                    spoolGate);
        }

        public Settings withVerifier(ReceivedWalVerifier v) {
            return new Settings(fsync, v, ringSize, maxBytesInFlight, onSegment, receiptLog, fsyncDurations, spoolGate);
        }

        public Settings withOnSegment(SegmentCompletionListener listener) {
            return new Settings(fsync, verifier, ringSize, maxBytesInFlight, listener, receiptLog, fsyncDurations,
                    spoolGate);
        }

        /** Also log when each message arrived ({@link ReceiptLog}). */
        public Settings withReceiptLog(boolean on) {
            return new Settings(fsync, verifier, ringSize, maxBytesInFlight, onSegment, on, fsyncDurations, spoolGate);
        }

        public Settings withFsyncDurations(LongConsumer nanos) {
            return new Settings(fsync, verifier, ringSize, maxBytesInFlight, onSegment, receiptLog, nanos, spoolGate);
        }
    }

    /**
     * Whether receiving may go on into a new segment: a spool whose uploads fell behind holds receiving back, as a
     * full disk does (the ring fills, the socket is not read, status updates keep the connection, the slot keeps
     * the WAL). Asked by the writer before it opens each segment, and once a second while it waits.
     */
    public interface SpoolGate {
        SpoolGate OPEN = next -> java.util.Optional.empty();

        /** Why receiving must wait now before opening {@code next} (for the log), or empty to go on. */
        java.util.Optional<String> holdReason(io.walstream.protocol.WalFileName next);
    }

    /** Told, on the flusher's thread, about each segment once it is complete and durable under its final name. */
    public interface SegmentCompletionListener {
        void completed(io.walstream.protocol.WalFileName segment, java.nio.file.Path file);
    }

    private final ArchiveDirectory dir;
    private final WalSegmentSize segmentSize;
    private final PipelineState state = new PipelineState();
    private final ArchiveSink sink;
    private final StageEngine engine;
    private final CompletableFuture<Void> failed = new CompletableFuture<>();

    public ArchivePipeline(ArchiveDirectory dir, WalSegmentSize segmentSize, Settings settings) {
        this.dir = dir;
        this.segmentSize = segmentSize;
        ReceiptLog receipts = settings.receiptLog() ? new ReceiptLog(dir.path(), segmentSize) : null;
        this.sink = new ArchiveSink(this, state, settings.maxBytesInFlight(),
                receipts != null ? new ReceiptClock(java.time.Clock.systemUTC()) : null);
        List<PipelineStage> beside = new ArrayList<>(3);
        beside.add(new SegmentWriter(dir, segmentSize, state, settings.spoolGate(), sink::keepAlive));
        beside.add(new VerifierStage(settings.verifier(), state, dir, segmentSize));
        if (receipts != null) {
            beside.add(receipts);
        }
        Flusher flusher = new Flusher(dir, settings.fsync(), state, sink,
                segment -> settings.onSegment().completed(segment.name, segment.completePath),
                settings.fsyncDurations(), settings.verifier() != ReceivedWalVerifier.NONE);
        if (settings.fsync().mode() == FsyncPolicy.Mode.SYNCHRONOUS) {
            List<PipelineStage> inOrder = new ArrayList<>(beside);
            inOrder.add(flusher);
            this.engine = new InlineEngine(inOrder, this::failed);
        } else {
            this.engine = new RingEngine(settings.ringSize(), beside, flusher, this::failed);
        }
        sink.runOn(engine, (int) beside.stream().filter(PipelineStage::readsData).count());
    }

    /** What the stream feeds: the {@link io.walstream.walreceiver.WalSink} of this pipeline. */
    public ArchiveSink sink() {
        return sink;
    }

    // ------------------------------------------------------------------ control

    /** Streaming starts (or starts again) at {@code start} on {@code timeline}. Blocks until the stages know. */
    public void startAt(int timeline, Lsn start) {
        if (start.segmentOffset(segmentSize) != 0) {
            throw new IllegalArgumentException("streaming into an archive starts at a segment boundary, not " + start);
        }
        control(WalEvent.Kind.RESTART, timeline, start.value());
    }

    /** Called with each new durable position, on the flusher's thread. */
    public void onDurable(LongConsumer listener) {
        sink.onDurable(listener);
    }

    /** fsyncs everything written so far (whatever the policy) and waits for it. */
    public void flush() {
        control(WalEvent.Kind.FLUSH, 0, 0);
    }

    /** Completes exceptionally with the first defect or I/O failure of any stage. */
    public CompletableFuture<Void> failure() {
        return failed;
    }

    /**
     * The timeline ended: as pg_receivewal, the old timeline's last segment stays .partial, and the
     * new timeline's copy of that segment is streamed again from its start, which is returned.
     */
    Lsn switchTimeline(NextTimeline next, TimelineHistoryFile history) {
        dir.writeHistory(next.timeline(), history.content());
        Lsn restart = next.startPosition().segmentStart(segmentSize);
        control(WalEvent.Kind.RESTART, next.timeline(), restart.value());
        return restart;
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
        engine.publish(step);
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

    private void failed(Throwable ex) {
        state.fail(ex);
        if (failed.completeExceptionally(state.failure())) {
            sink.stopStream();
        }
    }

    // ------------------------------------------------------------------ progress and metrics (any thread)

    public long writtenLsn() {
        return state.written;
    }

    public long flushedLsn() {
        return state.durable;
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

    /** True while receiving waits for uploads to catch up ({@link SpoolGate}). */
    public boolean spoolFull() {
        return state.spoolFull;
    }

    public long spoolFullEvents() {
        return state.spoolFullEvents;
    }

    /** Stop waiting for disk space: a stage waiting for it fails, so closing does not hang. */
    public void abandonWaits() {
        state.abandoning = true;
    }

    public WalSegmentSize segmentSize() {
        return segmentSize;
    }

    /** Ring slots published but not yet released by the flusher. */
    public long ringOccupancy() {
        return engine.occupancy();
    }

    /** 0 in synchronous mode, which runs the stages on the I/O thread without a ring. */
    public int ringCapacity() {
        return engine.capacity();
    }

    public long verificationFailures() {
        return state.verificationFailures;
    }

    /** The server's clock (PgEpoch microseconds) when it sent the WAL that is now durable; 0 if unknown. */
    public long durableSendTime() {
        return state.durableSendTime;
    }

    /** Flushes what is written (unless a stage failed) and stops the stages. */
    @Override
    public void close() {
        try {
            if (!state.failed()) {
                flush();
            }
        } finally {
            engine.shutdown();
        }
    }
}
