package io.walstream.archiver.pipeline;

import io.walstream.archiver.store.ArchiveDirectory;
import com.lmax.disruptor.EventHandler;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.Durable;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.wal.XLogRecordHeader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Last stage, and the one place that decides when received WAL is fsynced and when the server
 * hears of it. By the {@link FsyncPolicy}: at the end of a batch when it is due (every batch when
 * synchronous, else once per interval), when a segment completes, when the idle ring's interval runs
 * out, and on a FLUSH or RESTART step. Completing a segment is fsync, rename {@code .partial} away,
 * fsync the directory. Then it advances the durable position and tells the {@link FlushReport}
 * whether to send it to the server at once. It does not hold the messages' buffers: the writer and
 * the verifier release them ({@link WalEvent#doneReading()}), so that an fsync here does not stop the
 * socket being read.
 */
final class Flusher implements PipelineStage {

    /** Where the durable position and the released bytes go: the {@link ArchiveSink}. */
    interface FlushReport {
        /**
         * WAL up to {@code lsn} is durable (or, with fsync off, written); {@code now}: tell the server
         * at once instead of with the next periodic status update.
         */
        void flushed(long lsn, boolean now);

        /** A message's bytes are done with (written, checked, and its buffer released). */
        void released(int bytes);
    }

    private final ArchiveDirectory dir;
    private final FsyncPolicy policy;
    private final PipelineState state;
    private final FlushReport report;
    private final SegmentListener segmentListener;
    private final LongConsumer fsyncDurations;
    private final long intervalNanos;
    private final List<SegmentFile> completed = new ArrayList<>(4);
    private SegmentFile current;
    private long writtenThrough;
    private long lastSyncNanos = System.nanoTime();
    /** Whether a record verifier runs: then only verified WAL is completed and reported flushed. */
    private final boolean verifying;
    /** Where the current stream started: WAL before it was verified (or is ours) already. */
    private long restartFloor;
    private long writtenSendTime;
    /** WAL written since the last fsync. */
    private boolean unsynced;

    /** Told about each segment once it is complete and durable under its final name. */
    interface SegmentListener {
        void segmentCompleted(SegmentFile segment);
    }

    Flusher(ArchiveDirectory dir, FsyncPolicy policy, PipelineState state, FlushReport report,
            SegmentListener segmentListener, LongConsumer fsyncDurations, boolean verifying) {
        this.dir = dir;
        this.policy = policy;
        this.state = state;
        this.report = report;
        this.segmentListener = segmentListener;
        this.fsyncDurations = fsyncDurations;
        this.intervalNanos = policy.interval().toNanos();
        this.verifying = verifying;
    }

    @Override
    public void onEvent(WalEvent event) {
        try {
            if (!state.failed()) {
                handle(event);
            }
        } catch (RuntimeException e) {
            state.fail(e); // before done completes below, so a waiting control call sees it
            throw e;
        } finally {
            if (event.done != null) {
                if (state.failed()) {
                    event.done.completeExceptionally(state.failure());
                } else {
                    event.done.complete(null);
                }
            }
            event.clear();
        }
    }

    private void handle(WalEvent event) {
        switch (event.kind) {
            case WAL -> {
                writtenThrough = event.end;
                writtenSendTime = event.sendTime;
                current = event.current;
                boolean segmentEnded = event.completed != null;
                if (segmentEnded) {
                    completed.add(event.completed);
                }
                if (policy.mode() == FsyncPolicy.Mode.NONE) {
                    completeWithoutSync();
                } else if (segmentEnded || heldSegmentVerified()) {
                    sync();
                } else {
                    unsynced = true;
                }
            }
            case RESTART -> {
                for (SegmentFile held : completed) {
                    // its last record never arrived whole (the stream ended inside it): it stays .partial
                    if (policy.mode() != FsyncPolicy.Mode.NONE) {
                        held.force();
                        syncDirectoryIfNeeded(held);
                    }
                    held.close();
                }
                completed.clear();
                restartFloor = event.lsn;
                if (event.current != null) {
                    // the previous stream's last segment: durable, but stays .partial
                    if (policy.mode() != FsyncPolicy.Mode.NONE) {
                        event.current.force();
                        syncDirectoryIfNeeded(event.current);
                    }
                    event.current.close();
                }
                if (current != null && current != event.current) {
                    current.close();
                }
                current = null;
                writtenThrough = event.lsn;
                unsynced = false;
                publishDurable(event.lsn);
            }
            case FLUSH -> {
                current = event.current;
                if (policy.mode() == FsyncPolicy.Mode.NONE) {
                    completeWithoutSync();
                } else {
                    sync();
                }
            }
            default -> throw new IllegalStateException("unknown event " + event.kind);
        }
    }

    /** The end of a batch: fsync what it wrote if the policy says it is time. */
    @Override
    public void onEndOfBatch() {
        if (unsynced && !state.failed() && (policy.mode() == FsyncPolicy.Mode.SYNCHRONOUS
                || System.nanoTime() - lastSyncNanos >= intervalNanos)) {
            sync();
        }
    }

    /** Idle: make sure nothing written stays un-fsynced longer than the interval. */
    @Override
    public void onIdle() {
        if (state.failed() || policy.mode() == FsyncPolicy.Mode.NONE) {
            return;
        }
        if (heldSegmentVerified() || policy.mode() == FsyncPolicy.Mode.INTERVAL && state.durable < writtenThrough
                && System.nanoTime() - lastSyncNanos >= intervalNanos) {
            sync();
        }
    }

    private void sync() {
        finish(true);
    }

    private void completeWithoutSync() {
        finish(false);
    }

    /**
     * How far WAL may be called good: the end of the last record whose CRC matched (or where this
     * stream started). Nothing beyond it is reported flushed and no segment ending beyond it is
     * completed, so a defect found later never sits in a complete segment or behind the server's
     * flush position (which lets the server recycle the good copy).
     */
    private long verifiedLimit() {
        // MAXALIGNed: a commit waits for the flush to pass its record's aligned end (XactLastRecEnd)
        return verifying ? Math.max(XLogRecordHeader.align(state.verified), restartFloor) : Long.MAX_VALUE;
    }

    /** A completed segment waits for the verifier to pass the record that crosses its end. */
    private boolean heldSegmentVerified() {
        return !completed.isEmpty() && completed.get(0).endLsn <= verifiedLimit();
    }

    /** Completes verified segments and, with {@code fsync}, makes everything written durable first. */
    private void finish(boolean fsync) {
        long syncStart = fsync ? System.nanoTime() : 0;
        long limit = verifiedLimit();
        int ready = 0;
        while (ready < completed.size() && completed.get(ready).endLsn <= limit) {
            ready++;
        }
        boolean directoryChanged = false;
        for (int i = 0; i < completed.size(); i++) {
            SegmentFile segment = completed.get(i);
            if (fsync) {
                segment.force();
            }
            if (i < ready) {
                segment.close();
                Durable.move(dir.fileSystem(), segment.partialPath, segment.completePath);
                removeStalePartials(segment);
                directoryChanged = true;
            } else {
                directoryChanged |= segment.directoryEntryPending;
            }
        }
        if (fsync) {
            if (current != null) {
                current.force();
                directoryChanged |= current.directoryEntryPending;
            }
            if (directoryChanged) {
                Durable.syncDirectory(dir.fileSystem(), dir.path());
                if (current != null) {
                    current.directoryEntryPending = false;
                }
                for (SegmentFile segment : completed) { // renamed or held: created in the directory for good
                    segment.directoryEntryPending = false;
                }
            }
            state.fsyncs++;
            unsynced = false;
            lastSyncNanos = System.nanoTime();
            fsyncDurations.accept(lastSyncNanos - syncStart);
        }
        announceCompleted(ready);
        publishDurable(Math.min(writtenThrough, limit));
    }

    /**
     * A compressed {@code .partial} of the same segment (pg_receivewal's, from before we resumed at
     * its start) is now a stale copy of a complete segment; leaving it would make two of them.
     */
    private void removeStalePartials(SegmentFile segment) {
        for (WalFileName.Compression c : WalFileName.Compression.values()) {
            if (c != WalFileName.Compression.NONE) {
                try {
                    String stale = segment.name.withCompression(c).withPartial(true).toString();
                    dir.fileSystem().deleteIfExists(dir.resolve(stale));
                } catch (IOException e) {
                    throw new ArchiveException("could not remove a stale copy of " + segment.name + ": " + e,
                            segment.completePath, segment.name.startLsn(), e);
                }
            }
        }
    }

    private void announceCompleted(int ready) {
        if (ready == 0) {
            return; // the usual case, once per message with fsync policy none: no subList view
        }
        for (int i = 0; i < ready; i++) {
            state.segmentsCompleted++;
            segmentListener.segmentCompleted(completed.get(i));
        }
        completed.subList(0, ready).clear();
    }

    private void syncDirectoryIfNeeded(SegmentFile segment) {
        if (segment.directoryEntryPending) {
            Durable.syncDirectory(dir.fileSystem(), dir.path());
            segment.directoryEntryPending = false;
        }
    }

    private void publishDurable(long lsn) {
        if (lsn != state.durable) {
            state.durableSendTime = writtenSendTime; // before durable: a reader of durable then sees its time
            state.durable = lsn;
            // fsync off: the position is only written, and goes out with the periodic status update
            report.flushed(lsn, policy.mode() != FsyncPolicy.Mode.NONE);
        }
    }

    @Override
    public void onShutdown() {
        // After a failure, segments held for the verifier stay .partial; their files are closed all the same.
        for (SegmentFile held : completed) {
            closeQuietly(held);
        }
        closeQuietly(current);
    }

    private static void closeQuietly(SegmentFile file) {
        if (file != null) {
            try {
                file.close();
            } catch (RuntimeException ignored) {
                // shutting down
            }
        }
    }
}
