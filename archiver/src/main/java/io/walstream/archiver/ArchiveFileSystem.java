package io.walstream.archiver;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * The file operations whose order and durability the archive depends on, in one place, so that a test can put a
 * recording layer under the receive path and build what a power cut could leave (only what was fsynced; directory
 * entries only once their directory was fsynced). Writes, fsyncs and size changes go through the
 * {@link FileChannel} that {@link #open} returns: {@link #NIO} returns the plain one, so the hot path makes the same
 * calls it made before (one {@code write} per pwrite, no wrapper). {@link Durable} builds the durable steps (fsynced
 * file, durable rename, directory fsync) from these.
 */
public interface ArchiveFileSystem {

    /** java.nio on the default file system: what the receiver uses. */
    ArchiveFileSystem NIO = new ArchiveFileSystem() {
        @Override
        public FileChannel open(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
                throws IOException {
            return FileChannel.open(file, options, attributes);
        }

        @Override
        public void move(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public boolean deleteIfExists(Path file) throws IOException {
            return Files.deleteIfExists(file);
        }

        @Override
        public void createDirectory(Path dir, FileAttribute<?>... attributes) throws IOException {
            Files.createDirectory(dir, attributes);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }

        @Override
        public String toString() {
            return "java.nio";
        }
    };

    /** Opens (or creates, by {@code options}) a file; its writes, {@code force} and {@code truncate} are the file's. */
    FileChannel open(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attributes) throws IOException;

    /** Renames atomically, replacing {@code to}; durable only once the directory is {@link #syncDirectory synced}. */
    void move(Path from, Path to) throws IOException;

    /** Removes a file's directory entry; durable only once the directory is synced. */
    boolean deleteIfExists(Path file) throws IOException;

    /** Creates one directory; its entry is durable only once its parent is synced. */
    void createDirectory(Path dir, FileAttribute<?>... attributes) throws IOException;

    /** fsync of a directory: the entries created, renamed or removed in it are on disk. */
    void syncDirectory(Path dir) throws IOException;
}
