package io.walstream.archiver;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardCopyOption;
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

    /** What restore found for a requested name. */
    public record Found(Path file, boolean partial) {
    }

    /**
     * Finds {@code walFileName} (a segment, a {@code .history} or a {@code .backup} file) in the
     * archive: plain, then compressed; with {@code allowPartial}, a segment still being received
     * ({@code .partial}) is served too, so an archive-fed standby can replay WAL before its segment completes.
     */
    public static Optional<Found> find(ArchiveDirectory dir, String walFileName, boolean allowPartial) {
        if (!isRestorableName(walFileName)) {
            throw new IllegalArgumentException("not a WAL, history or backup history file name: \"" + walFileName + "\"");
        }
        if (!WalFileName.isWalFileName(walFileName) || walFileName.length() != 24) {
            Path p = dir.resolve(walFileName);
            return Files.isRegularFile(p) ? Optional.of(new Found(p, false)) : Optional.empty();
        }
        for (WalFileName.Compression c : WalFileName.Compression.values()) {
            Path p = dir.resolve(walFileName + c.suffix());
            if (Files.isRegularFile(p)) {
                return Optional.of(new Found(p, false));
            }
        }
        if (allowPartial) {
            for (WalFileName.Compression c : List.of(WalFileName.Compression.NONE, WalFileName.Compression.GZIP,
                    WalFileName.Compression.LZ4)) {
                Path p = dir.resolve(walFileName + c.suffix() + ".partial");
                if (Files.isRegularFile(p)) {
                    return Optional.of(new Found(p, true));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A restored segment must be a whole segment: PostgreSQL would reject a short one anyway, with
     * less to go on. The size is the archive's (its identity), else any valid segment size.
     */
    private static void checkSegmentSize(ArchiveDirectory dir, String walFileName, Path restored) throws IOException {
        if (!WalFileName.isWalFileName(walFileName)) {
            return;
        }
        long size = Files.size(restored);
        Optional<Integer> expected = dir.identity().map(i -> i.segmentSize().bytes());
        boolean ok = expected.isPresent() ? size == expected.get() : isValidSegmentSize(size);
        if (!ok) {
            Files.deleteIfExists(restored);
            throw new ArchiveException("archived WAL file " + walFileName + " holds " + size + " bytes, not a whole "
                    + "segment" + expected.map(e -> " (" + e + " bytes)").orElse("")
                    + "; the archive is damaged: run walstream verify", dir.resolve(walFileName), null);
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

    /**
     * Restores {@code walFileName} to {@code target}: written to a temporary name beside it and
     * renamed, so PostgreSQL never sees half a file. Returns false when the archive does not have it.
     */
    public static boolean restore(ArchiveDirectory dir, String walFileName, Path target, boolean allowPartial)
            throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".walstream-tmp");
        for (int attempt = 1; ; attempt++) {
            Optional<Found> found = find(dir, walFileName, allowPartial);
            if (found.isEmpty()) {
                return false;
            }
            try (InputStream in = SegmentFiles.openDecompressed(found.get().file());
                    OutputStream out = java.nio.channels.Channels.newOutputStream(
                            Durable.openPrivate(tmp, StandardOpenOption.TRUNCATE_EXISTING))) {
                in.transferTo(out);
                break;
            } catch (java.nio.file.NoSuchFileException e) {
                // a running receiver replaced it (NAME by NAME.gz, NAME.partial by NAME): look again
                Files.deleteIfExists(tmp);
                if (attempt == 3) {
                    throw e;
                }
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw new ArchiveException("could not restore " + found.get().file().getFileName() + ": " + e
                        + "; the archive is damaged: run walstream verify", found.get().file(), null, e);
            } catch (RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
        }
        checkSegmentSize(dir, walFileName, tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }
}
