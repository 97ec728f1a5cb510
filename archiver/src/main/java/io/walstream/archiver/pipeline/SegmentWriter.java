package io.walstream.archiver.pipeline;

import io.walstream.archiver.store.ArchiveDirectory;
import com.lmax.disruptor.EventHandler;
import io.netty.buffer.ByteBuf;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.Durable;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage: writes received WAL into {@code NAME.partial} files at their offsets, splitting at
 * segment edges, and hands completed segments to the {@link Flusher}. Refuses any gap: every
 * message must start where the previous one ended.
 */
final class SegmentWriter implements PipelineStage {

    private static final Logger log = LoggerFactory.getLogger(SegmentWriter.class);
    private static final Duration DISK_FULL_RETRY = Duration.ofSeconds(1);

    /** Fault injection for tests: called before each write; may throw what a full disk throws. */
    interface WriteFault {
        void beforeWrite(SegmentFile file, long filePosition) throws IOException;
    }

    static volatile WriteFault fault;

    private final ArchiveDirectory dir;
    private final WalSegmentSize segmentSize;
    private final PipelineState state;
    private final ArchivePipeline.SpoolGate spoolGate;
    private final Runnable keepAlive;
    private int timeline;
    private long next = -1;
    private SegmentFile current;
    /** The segment opened before {@link #current}, for the order of their directory entries. */
    private SegmentFile previous;

    SegmentWriter(ArchiveDirectory dir, WalSegmentSize segmentSize, PipelineState state) {
        this(dir, segmentSize, state, ArchivePipeline.SpoolGate.OPEN, () -> { });
    }

    /**
     * @param keepAlive run once a second while receiving is paused (full disk, {@code --spool-max}): sends the server
     *                  a status update. A synchronous standby writes on the I/O thread, whose status timer cannot run
     *                  while it waits here, and without a reply the server cuts it after wal_sender_timeout.
     */
    SegmentWriter(ArchiveDirectory dir, WalSegmentSize segmentSize, PipelineState state,
            ArchivePipeline.SpoolGate spoolGate, Runnable keepAlive) {
        this.dir = dir;
        this.segmentSize = segmentSize;
        this.state = state;
        this.spoolGate = spoolGate;
        this.keepAlive = keepAlive;
    }

    @Override
    public boolean readsData() {
        return true;
    }

    @Override
    public void onEvent(WalEvent event) throws IOException {
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
                try {
                    WriteFault f = fault;
                    if (f != null) {
                        f.beforeWrite(current, filePosition + done);
                    }
                    done += pwrite(buf, index + done, current.channel, filePosition + done, n - done);
                } catch (IOException e) {
                    waitForSpace(e, current, pos + done);
                    continue;
                }
                if (state.diskFull) {
                    state.diskFull = false;
                    log.info("disk space is back: {} written through {}, receiving again", current, Lsn.format(pos + done));
                }
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

    /**
     * pwrite straight from the (direct) receive buffer: no copy, and no allocation per write.
     *
     * <p>{@code getBytes(FileChannel)} duplicates an NIO view for every write (64 bytes), and so does
     * {@code internalNioBuffer} of a slice, which is what XLogData holds. So the write goes through the NIO view
     * that the buffer owning the memory (the receive buffer the slice was cut from, found through
     * {@code unwrap()}) caches, at the slice's offset in it. That cached view is created at most once per receive
     * buffer (often already by the socket read) and is not thread-safe, which holds here: while a buffer is in the
     * ring, only this thread asks for it. The verifier reads the same bytes with absolute {@code getBytes} into its
     * own array; the last of the two to finish releases the slice. The I/O thread does not read the socket into a
     * buffer it has passed on; when the decoder appends to a cumulation buffer whose slices are still out, it copies
     * with Unsafe, which does not touch the view (the path is only taken for buffers with a memory address, that is
     * with Unsafe). SslHandler never reuses a buffer it has passed on. Anything else (heap, composite) goes through
     * {@code getBytes}.
     */
    static int pwrite(ByteBuf buf, int index, FileChannel channel, long position, int length) throws IOException {
        ByteBuf root = buf;
        for (int depth = 0; depth < 4 && root.unwrap() != null; depth++) {
            root = root.unwrap(); // slice, leak-detection wrapper: down to the buffer that owns the memory
        }
        if (root.unwrap() == null && root.isDirect() && root.nioBufferCount() == 1 && buf.hasMemoryAddress()
                && root.hasMemoryAddress()) {
            long rootIndex = buf.memoryAddress() - root.memoryAddress() + index;
            if (rootIndex >= 0 && rootIndex + length <= root.capacity()) {
                return channel.write(root.internalNioBuffer((int) rootIndex, length), position);
            }
        }
        return buf.getBytes(index, channel, position, length);
    }

    /**
     * A full disk pauses writing instead of failing: the ring fills, the socket stops being read,
     * status updates keep the connection alive, and the same write is tried again each second
     * (pwrite at the same offset, so nothing is lost or doubled). Other I/O errors stop the stream.
     */
    private void waitForSpace(IOException e, SegmentFile file, long lsn) {
        if (!isDiskFull(e)) {
            throw new ArchiveException("could not write " + where(file) + " at " + Lsn.format(lsn) + ": " + e,
                    path(file), Lsn.of(lsn), e);
        }
        if (!state.diskFull) {
            state.diskFull = true;
            state.diskFullEvents++;
            log.warn("no space left on device writing {} at {}: receiving paused (the connection stays up),"
                    + " retrying every {} s until space is freed", where(file), Lsn.format(lsn), DISK_FULL_RETRY.toSeconds());
        }
        pause("the disk was full", path(file), lsn, e);
    }

    /**
     * Before a new segment: while the spool holds more than {@code --spool-max} not yet uploaded, receiving pauses
     * exactly as for a full disk, so the spool stops growing and the slot keeps the WAL on the primary instead.
     */
    private void waitForSpool(WalFileName segment, long lsn) {
        Optional<String> hold = spoolGate.holdReason(segment);
        if (hold.isEmpty()) {
            return;
        }
        state.spoolFull = true;
        state.spoolFullEvents++;
        log.warn("{}: receiving paused before {} (the connection stays up, the slot keeps the WAL on the server)"
                + " until uploads catch up", hold.get(), segment);
        do {
            pause("uploads were behind (--spool-max)", dir.path(), lsn, null);
        } while (spoolGate.holdReason(segment).isPresent());
        state.spoolFull = false;
        log.info("uploads caught up: receiving again into {}", segment);
    }

    /** Waits {@link #DISK_FULL_RETRY}, failing at once when the pipeline is abandoned (a stop). */
    private void pause(String why, java.nio.file.Path path, long lsn, Exception cause) {
        keepAlive.run();
        long until = System.nanoTime() + DISK_FULL_RETRY.toNanos();
        while (System.nanoTime() < until) {
            if (state.abandoning) {
                throw new ArchiveException("stopped while " + why + ": WAL from " + Lsn.format(lsn)
                        + " was not written (the server still has it if a slot holds it)", path, Lsn.of(lsn), cause);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ArchiveException("interrupted while " + why, path, Lsn.of(lsn), ie);
            }
        }
    }

    /** A segment opened after the last one the flusher saw (the pipeline failed in between) is closed here. */
    @Override
    public void onShutdown() {
        if (current != null) {
            try {
                current.close();
            } catch (RuntimeException ignored) {
                // shutting down
            }
        }
    }

    private String where(SegmentFile file) {
        return file != null ? file.toString() : "a new segment in " + dir.path();
    }

    private java.nio.file.Path path(SegmentFile file) {
        return file != null ? file.partialPath : dir.path();
    }

    /** ENOSPC, or EDQUOT (a quota is a full disk for this user), as the JDK words them. */
    static boolean isDiskFull(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"));
    }

    private SegmentFile openAt(long pos) {
        WalFileName name = WalFileName.of(timeline, pos >>> segmentSize.log2(), segmentSize);
        waitForSpool(name, pos);
        if (previous != null && previous.directoryEntryPending) {
            // Running ahead of the flusher (catching up), the writer creates segments whose entries no directory
            // fsync made durable yet. POSIX keeps no order among them: a power cut could keep this segment's entry
            // and lose the one before, and the archive would resume after a segment it never had (PowerLossIT).
            Durable.syncDirectory(dir.fileSystem(), dir.path());
            previous.directoryEntryPending = false;
        }
        SegmentFile file;
        while (true) {
            try {
                file = SegmentFile.open(dir, name);
                break;
            } catch (ArchiveException e) {
                if (!(e.getCause() instanceof IOException io) || !isDiskFull(io)) {
                    throw e;
                }
                waitForSpace(io, null, pos); // sizing the new file needs a block too
            }
        }
        if (file.directoryEntryPending && pos != file.startLsn) {
            // A segment started mid-way would hold zeros where WAL belongs and could never be complete.
            file.close();
            throw new ArchiveException("streaming into new segment " + name + " must start at its beginning ("
                    + name.startLsn() + "), not at " + Lsn.format(pos), file.partialPath, Lsn.of(pos));
        }
        previous = file;
        return file;
    }
}
