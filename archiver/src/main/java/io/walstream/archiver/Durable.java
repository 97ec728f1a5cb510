package io.walstream.archiver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * File operations that survive a crash at any instant: data fsynced before it is named, and a
 * rename or a new file fsynced in its directory before anyone is told about it. Each comes in two
 * forms: on the plain file system, and through an {@link ArchiveFileSystem} (the archive's own, which
 * a power-loss test records).
 */
public final class Durable {

    private Durable() {
    }

    /** fsync a directory, so that entries created, renamed or removed in it are on disk. */
    public static void syncDirectory(Path dir) {
        syncDirectory(ArchiveFileSystem.NIO, dir);
    }

    /** fsync a directory through {@code fs}. */
    public static void syncDirectory(ArchiveFileSystem fs, Path dir) {
        try {
            fs.syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not fsync directory " + dir, e);
        }
    }

    /** Renames {@code from} to {@code to} atomically (replacing {@code to}) and fsyncs the directory. */
    public static void rename(Path from, Path to) {
        rename(ArchiveFileSystem.NIO, from, to);
    }

    /** {@link #rename(Path, Path)} through {@code fs}. */
    public static void rename(ArchiveFileSystem fs, Path from, Path to) {
        move(fs, from, to);
        syncDirectory(fs, to.toAbsolutePath().getParent());
    }

    /** Atomic rename without the directory fsync, for callers that fsync the directory once for several. */
    public static void move(Path from, Path to) {
        move(ArchiveFileSystem.NIO, from, to);
    }

    /** {@link #move(Path, Path)} through {@code fs}. */
    public static void move(ArchiveFileSystem fs, Path from, Path to) {
        try {
            fs.move(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException("could not rename " + from + " to " + to.getFileName(), e);
        }
    }

    /**
     * What the archive creates is its owner's alone, as PostgreSQL's own files (WAL holds every row
     * written): files 0600 and directories 0700, applied at creation (the umask may only narrow it).
     * An operator shares an archive through its directory's mode, as with pg_receivewal's group access:
     * where the directory lets its group (or others) read, the files created in it are readable by them
     * too (0640 in a 0750 directory), so that a standby running as another user can restore from it.
     */
    public static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    /** 0600, plus read for group and others where {@code dir} grants them read. */
    static FileAttribute<Set<PosixFilePermission>> fileModeIn(Path dir) {
        Set<PosixFilePermission> mode = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        inheritRead(dir, mode, false);
        return PosixFilePermissions.asFileAttribute(mode);
    }

    /** 0700, plus read and search for group and others where {@code dir} grants them read. */
    public static FileAttribute<Set<PosixFilePermission>> directoryModeIn(Path dir) {
        Set<PosixFilePermission> mode = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        inheritRead(dir, mode, true);
        return PosixFilePermissions.asFileAttribute(mode);
    }

    private static void inheritRead(Path dir, Set<PosixFilePermission> mode, boolean search) {
        Set<PosixFilePermission> parent;
        try {
            parent = Files.getPosixFilePermissions(dir.toAbsolutePath());
        } catch (IOException | UnsupportedOperationException e) {
            return; // private, then
        }
        if (parent.contains(PosixFilePermission.GROUP_READ)) {
            mode.add(PosixFilePermission.GROUP_READ);
            if (search) {
                mode.add(PosixFilePermission.GROUP_EXECUTE);
            }
        }
        if (parent.contains(PosixFilePermission.OTHERS_READ)) {
            mode.add(PosixFilePermission.OTHERS_READ);
            if (search) {
                mode.add(PosixFilePermission.OTHERS_EXECUTE);
            }
        }
    }

    /** Opens {@code file} for writing, creating it with {@link #fileModeIn its directory's} mode if missing. */
    public static FileChannel openPrivate(Path file, StandardOpenOption... options) throws IOException {
        return openPrivate(ArchiveFileSystem.NIO, file, options);
    }

    /** {@link #openPrivate(Path, StandardOpenOption...)} through {@code fs}. */
    public static FileChannel openPrivate(ArchiveFileSystem fs, Path file, StandardOpenOption... options)
            throws IOException {
        Set<StandardOpenOption> set = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        set.addAll(List.of(options));
        return fs.open(file, set, fileModeIn(file.toAbsolutePath().getParent()));
    }

    /** Writes {@code content} to {@code target} through a fsynced temporary file and a durable rename. */
    public static void writeFile(Path target, byte[] content) {
        writeFile(ArchiveFileSystem.NIO, target, content);
    }

    /** {@link #writeFile(Path, byte[])} through {@code fs}. */
    public static void writeFile(ArchiveFileSystem fs, Path target, byte[] content) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = openPrivate(fs, tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + tmp, e);
        }
        rename(fs, tmp, target);
    }

    /** Creates {@code dir} (and parents) if missing, durably. */
    public static void createDirectories(Path dir) {
        createDirectories(ArchiveFileSystem.NIO, dir);
    }

    /** {@link #createDirectories(Path)} through {@code fs}. */
    public static void createDirectories(ArchiveFileSystem fs, Path dir) {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return;
        }
        createDirectories(fs, abs.getParent());
        try {
            fs.createDirectory(abs, PRIVATE_DIRECTORY);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) {
                throw new UncheckedIOException("not a directory: " + abs, e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not create directory " + abs, e);
        }
        syncDirectory(fs, abs.getParent());
    }
}
