package io.walstream.archiver.pipeline;

import com.lmax.disruptor.EventTranslatorOneArg;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.replication.NextTimeline;
import io.walstream.protocol.replication.TimelineHistoryFile;
import io.walstream.walreceiver.StreamControl;
import io.walstream.walreceiver.WalSink;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * An {@link ArchivePipeline} as the stream feeding it sees it: hands each XLogData to the engine,
 * reports the writer's and the flusher's positions (so the server is never told WAL is flushed
 * before it is fsynced), and applies back-pressure: when too many bytes are in flight it asks the
 * stream to stop reading the socket, and resumes it once the writer and the verifier are done with
 * half of them. The {@link Flusher}'s reports go to the server from here: inline, at the end of a
 * socket read, as the answer to {@link #onReadComplete()} itself, without a call back into the stream.
 */
public final class ArchiveSink implements WalSink, Flusher.FlushReport {

    private final ArchivePipeline pipeline;
    private final PipelineState state;
    private final long maxBytesInFlight;
    /** Fills an event from an XLogData; reads the clock only when there is a receipt log. */
    private final EventTranslatorOneArg<WalEvent, XLogData> wal;
    private StageEngine engine;
    /** How many stages read an event's bytes ({@link PipelineStage#readsData()}). */
    private int dataReaders;
    private final AtomicLong bytesInFlight = new AtomicLong();
    private final AtomicBoolean readingPaused = new AtomicBoolean();
    private final AtomicLong received = new AtomicLong();
    private volatile StreamControl stream;
    private volatile long stopAt = Long.MAX_VALUE;
    private volatile LongConsumer durableListener = lsn -> { };
    /** The thread inside {@link #onReadComplete()}: a flush reported on it goes out with the return value. */
    private volatile Thread readCompleting;
    /** A flush to report when {@link #onReadComplete()} returns; that thread only. */
    private boolean statusDue;

    ArchiveSink(ArchivePipeline pipeline, PipelineState state, long maxBytesInFlight, ReceiptClock clock) {
        this.pipeline = pipeline;
        this.state = state;
        this.maxBytesInFlight = maxBytesInFlight;
        this.wal = (event, sequence, data) -> {
            event.kind = WalEvent.Kind.WAL;
            event.data = data.content();
            event.readers = dataReaders;
            event.report = this;
            event.start = data.dataStart();
            event.end = data.dataEnd();
            event.sendTime = data.sendTime();
            event.receivedMicros = clock != null ? clock.nowMicros() : 0;
        };
    }

    /** Set once by the pipeline, before the sink is handed to a stream. */
    void runOn(StageEngine stages, int dataReaders) {
        this.engine = stages;
        this.dataReaders = dataReaders;
    }

    // ------------------------------------------------------------------ control, any thread

    /** The stream WAL is coming from, so that reading can resume and flushes are reported; null when it ended. */
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
        engine.publish(wal, data);
        if (inFlight < maxBytesInFlight && engine.hasRoom()) {
            return true;
        }
        readingPaused.set(true);
        // The flusher may have drained everything before it could see the flag: check again.
        return bytesInFlight.get() < maxBytesInFlight / 2 && readingPaused.compareAndSet(true, false);
    }

    /** The end of a batch inline; true when the flusher made WAL durable that the server should hear of now. */
    @Override
    public boolean onReadComplete() {
        if (state.failed()) {
            return false;
        }
        readCompleting = Thread.currentThread();
        try {
            engine.endOfRead();
        } finally {
            readCompleting = null;
        }
        boolean due = statusDue;
        statusDue = false;
        return due;
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
        return pipeline.switchTimeline(next, history);
    }

    // ------------------------------------------------------------------ from the flusher

    @Override
    public void flushed(long lsn, boolean now) {
        StreamControl s = stream;
        if (s != null) {
            if (lsn >= stopAt) {
                s.stop();
            } else if (now) {
                if (readCompleting == Thread.currentThread()) {
                    statusDue = true;
                } else {
                    s.sendStatusNow();
                }
            }
        }
        durableListener.accept(lsn);
    }

    @Override
    public void released(int bytes) {
        long inFlight = bytesInFlight.addAndGet(-bytes);
        if (inFlight < maxBytesInFlight / 2 && readingPaused.compareAndSet(true, false)) {
            StreamControl s = stream;
            if (s != null) {
                s.resumeReading();
            }
        }
    }

    /** Receiving is paused (full disk, full spool): a status update, so the server keeps the connection. */
    void keepAlive() {
        StreamControl s = stream;
        if (s != null) {
            s.sendStatusNow();
        }
    }

    /** A stage failed: end the stream (nothing more will be written). */
    void stopStream() {
        StreamControl s = stream;
        if (s != null) {
            s.stop();
        }
    }

    // ------------------------------------------------------------------ progress

    public long receivedBytes() {
        return received.get();
    }

    public long bytesInFlight() {
        return bytesInFlight.get();
    }
}
