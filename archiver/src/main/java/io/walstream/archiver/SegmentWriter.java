package io.walstream.archiver;

import com.lmax.disruptor.EventHandler;
import io.netty.buffer.ByteBuf;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;

/**
 * First stage: writes received WAL into {@code NAME.partial} files at their offsets, splitting at
 * segment edges, and hands completed segments to the {@link Flusher}. Refuses any gap: every
 * message must start where the previous one ended.
 */
final class SegmentWriter implements EventHandler<WalEvent> {

    private final ArchiveDirectory dir;
    private final WalSegmentSize segmentSize;
    private final PipelineState state;
    private int timeline;
    private long next = -1;
    private SegmentFile current;

    SegmentWriter(ArchiveDirectory dir, WalSegmentSize segmentSize, PipelineState state) {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.state = state;
    }

    @Override
    public void onEvent(WalEvent event, long sequence, boolean endOfBatch) throws IOException {
        if (state.failed()) {
            return;
        }
        switch (event.kind) {
            case WAL -> write(event);
            case RESTART -> {
                // The open segment stays .partial: on a timeline switch it is the old timeline's last piece.
                event.completed = null;
                event.current = current;
                current = null;
                timeline = event.timeline;
                next = event.lsn;
                state.written = next;
            }
            case FLUSH -> event.current = current;
            default -> throw new IllegalStateException("unknown event " + event.kind);
        }
    }

    private void write(WalEvent event) throws IOException {
        long pos = event.start;
        if (pos != next) {
            throw new ArchiveException("WAL gap: expected data at " + Lsn.format(next) + " but the server sent "
                    + Lsn.format(pos) + (current != null ? " (writing " + current + ")" : ""),
                    current != null ? current.partialPath : dir.path(), Lsn.of(next));
        }
        ByteBuf buf = event.data;
        int index = buf.readerIndex();
        int remaining = buf.readableBytes();
        while (remaining > 0) {
            if (current == null) {
                current = openAt(pos);
            }
            int n = (int) Math.min(remaining, current.endLsn - pos);
            long filePosition = pos - current.startLsn;
            int done = 0;
            while (done < n) {
                // pwrite straight from the (direct) receive buffer: no copy, no allocation.
                done += buf.getBytes(index + done, current.channel, filePosition + done, n - done);
            }
            pos += n;
            index += n;
            remaining -= n;
            if (pos == current.endLsn) {
                if (event.completed != null) {
                    throw new IllegalStateException("one message completed two segments: " + event.completed + ", " + current);
                }
                event.completed = current;
                current = null;
            }
        }
        next = pos;
        event.current = current;
        state.written = pos;
    }

    private SegmentFile openAt(long pos) {
        WalFileName name = WalFileName.of(timeline, pos >>> segmentSize.log2(), segmentSize);
        SegmentFile file = SegmentFile.open(dir, name);
        if (file.directoryEntryPending && pos != file.startLsn) {
            // A segment started mid-way would hold zeros where WAL belongs and could never be complete.
            file.close();
            throw new ArchiveException("streaming into new segment " + name + " must start at its beginning ("
                    + name.startLsn() + "), not at " + Lsn.format(pos), file.partialPath, Lsn.of(pos));
        }
        return file;
    }
}
