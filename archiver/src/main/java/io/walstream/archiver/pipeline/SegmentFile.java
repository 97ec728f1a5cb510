package io.walstream.archiver.pipeline;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.Durable;
import io.walstream.protocol.WalFileName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One segment being written: {@code NAME.partial}, renamed to {@code NAME} once complete and fsynced. */
final class SegmentFile {

    private static final Logger log = LoggerFactory.getLogger(SegmentFile.class);

    final WalFileName name;
    final Path partialPath;
    final Path completePath;
    final long startLsn;
    final long endLsn;
    final FileChannel channel;
    /**
     * The directory entry of a newly created file is not durable until the directory is fsynced. Volatile: the
     * flusher clears it after its directory fsync, the writer reads it before it creates the next segment.
     */
    volatile boolean directoryEntryPending;

    private SegmentFile(WalFileName name, Path partialPath, Path completePath, FileChannel channel, boolean created) {
        this.name = name;
        this.partialPath = partialPath;
        this.completePath = completePath;
        this.startLsn = name.startLsn().value();
        this.endLsn = name.endLsn().value();
        this.channel = channel;
        this.directoryEntryPending = created;
    }

    /**
     * Opens {@code NAME.partial} for writing, as pg_receivewal does: a new file is sized to a whole
     * segment at once (sparse here, so no zeros are written twice), an existing one must already
     * have that size, or less: a power cut before the file's first fsync (which makes its size durable)
     * can leave it short, holding some of what was written and none of what was reported flushed. It is
     * padded again; streaming into an existing {@code .partial} starts at its start and rewrites it.
     */
    static SegmentFile open(ArchiveDirectory dir, WalFileName name) {
        Path partial = dir.resolve(name.withPartial(true).toString());
        Path complete = dir.resolve(name.toString());
        int size = name.segmentSize().bytes();
        FileChannel ch = null;
        try {
            ch = Durable.openPrivate(dir.fileSystem(), partial, StandardOpenOption.READ);
            long existing = ch.size();
            boolean created = existing == 0;
            if (existing > size) {
                throw new ArchiveException("WAL file " + partial + " has " + existing + " bytes, should be at most "
                        + size + "; move it away and restart", partial, name.startLsn());
            }
            if (existing < size) {
                if (!created) {
                    log.warn("{} has {} bytes, not {}: a power cut before its first fsync left it short (nothing in"
                            + " it was reported flushed); padding it again, it is rewritten from its start",
                            partial, existing, size);
                }
                ch.write(ByteBuffer.allocate(1), size - 1L);
            }
            return new SegmentFile(name, partial, complete, ch, created);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ArchiveException("could not open " + partial + ": " + e, partial, name.startLsn(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    void force() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new ArchiveException("could not fsync " + partialPath + ": " + e, partialPath, null, e);
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not close " + partialPath, e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    @Override
    public String toString() {
        return partialPath.getFileName().toString();
    }
}
