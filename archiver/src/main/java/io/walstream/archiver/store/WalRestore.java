package io.walstream.archiver.store;

import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.Durable;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * {@code walstream restore %f %p}: copies one archived file to where PostgreSQL asks for it,
 * decompressing as needed. A file that is not (yet) archived is a normal answer, not an error:
 * PostgreSQL asks for files that do not exist yet all the time.
 */
public final class WalRestore {

    private WalRestore() {
    }

    /** What restore found for a requested name: the stored file and whether it is a segment still being received. */
    public record Found(WalStore.StoredFile file, boolean partial) {

        public WalFileName.Compression compression() {
            return SegmentFiles.compressionOf(file.name());
        }
    }

    /**
     * Finds {@code walFileName} (a segment, a {@code .history} or a {@code .backup} file) in the
     * archive: plain, then compressed; with {@code allowPartial}, a segment still being received
     * ({@code .partial}) is served too, so an archive-fed standby can replay WAL before its segment completes.
     *
     * @throws IllegalArgumentException when {@code walFileName} is not such a name
     */
    public static Optional<Found> find(WalStore store, String walFileName, boolean allowPartial) throws IOException {
        if (!isRestorableName(walFileName)) {
            throw new IllegalArgumentException("not a WAL, history or backup history file name: \"" + walFileName + "\"");
        }
        if (!isSegmentName(walFileName)) {
            return store.stat(walFileName).map(f -> new Found(f, false));
        }
        for (WalFileName.Compression c : WalFileName.Compression.values()) {
            Optional<WalStore.StoredFile> f = store.stat(walFileName + c.suffix());
            if (f.isPresent()) {
                return Optional.of(new Found(f.get(), false));
            }
        }
        if (allowPartial) {
            return findPartial(store, walFileName);
        }
        return Optional.empty();
    }

    /** The segment still being received, if that is what {@code segmentName} is now. */
    public static Optional<Found> findPartial(WalStore store, String segmentName) throws IOException {
        for (WalFileName.Compression c : List.of(WalFileName.Compression.NONE, WalFileName.Compression.GZIP,
                WalFileName.Compression.LZ4)) {
            Optional<WalStore.StoredFile> f = store.stat(segmentName + c.suffix() + ".partial");
            if (f.isPresent()) {
                return Optional.of(new Found(f.get(), true));
            }
        }
        return Optional.empty();
    }

    /** A segment file name (24 hex digits), as opposed to a history or backup history file. */
    public static boolean isSegmentName(String walFileName) {
        return WalFileName.isWalFileName(walFileName) && walFileName.length() == 24;
    }

    /**
     * The segment size a restored segment must have: the archive's (its identity), else empty, when any valid
     * segment size will do.
     */
    public static Optional<Integer> expectedSegmentSize(WalStore store) {
        return store.identity().map(i -> i.segmentSize().bytes());
    }

    /**
     * A restored segment must be a whole segment: PostgreSQL would reject a short one anyway, with
     * less to go on.
     *
     * @throws ArchiveException naming the file when {@code size} is not a whole segment
     */
    public static void checkSegmentSize(WalStore store, String walFileName, long size, Optional<Integer> expected) {
        if (!isSegmentName(walFileName)) {
            return;
        }
        boolean ok = expected.isPresent() ? size == expected.get() : isValidSegmentSize(size);
        if (!ok) {
            throw new ArchiveException("archived WAL file " + walFileName + " holds " + size + " bytes, not a whole "
                    + "segment" + expected.map(e -> " (" + e + " bytes)").orElse("")
                    + "; the archive is damaged: run walstream verify", store.localFile(walFileName).orElse(null),
                    null);
        }
    }

    private static boolean isValidSegmentSize(long size) {
        try {
            WalSegmentSize.ofBytes((int) size);
            return size <= Integer.MAX_VALUE;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A segment, {@code .history} or {@code .backup} file name: what PostgreSQL's %f can be, never a path. */
    public static boolean isRestorableName(String walFileName) {
        return WalFileName.isWalFileName(walFileName) || WalFileName.isHistoryFileName(walFileName)
                || WalFileName.isBackupHistoryFileName(walFileName);
    }

    private static void copy(Path source, FileChannel target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
            SegmentFiles.transferFully(in, in.size(), target, source.getFileName().toString());
        }
    }

    /**
     * Restores {@code walFileName} to {@code target}: written to a temporary name beside it and
     * renamed, so PostgreSQL never sees half a file. Returns false when the archive does not have it.
     */
    public static boolean restore(WalStore store, String walFileName, Path target, boolean allowPartial)
            throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".walstream-tmp");
        for (int attempt = 1; ; attempt++) {
            Optional<Found> found = find(store, walFileName, allowPartial);
            if (found.isEmpty()) {
                return false;
            }
            String stored = found.get().file().name();
            Optional<Path> plainLocal = found.get().compression() == WalFileName.Compression.NONE
                    ? store.localFile(stored) : Optional.empty();
            try (FileChannel written = Durable.openPrivate(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                if (plainLocal.isPresent()) {
                    copy(plainLocal.get(), written); // in the kernel: a third less CPU per segment than streams
                } else {
                    try (InputStream in = SegmentFiles.openDecompressed(store, stored);
                            OutputStream out = Channels.newOutputStream(written)) {
                        in.transferTo(out);
                    }
                }
                break;
            } catch (NoSuchFileException e) {
                // a running receiver replaced it (NAME by NAME.gz, NAME.partial by NAME): look again
                Files.deleteIfExists(tmp);
                if (attempt == 3) {
                    throw e;
                }
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw new ArchiveException("could not restore " + stored + ": " + e
                        + "; the archive is damaged: run walstream verify", store.localFile(stored).orElse(null),
                        null, e);
            } catch (RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
        }
        try {
            checkSegmentSize(store, walFileName, Files.size(tmp), expectedSegmentSize(store));
        } catch (ArchiveException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }
}
