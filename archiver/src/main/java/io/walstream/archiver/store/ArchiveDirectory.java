package io.walstream.archiver.store;

import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.ArchiveFileSystem;
import io.walstream.archiver.Durable;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A WAL archive directory in pg_receivewal's layout: {@code TTTTTTTTXXXXXXXXYYYYYYYY[.gz|.lz4|.zst][.partial]}
 * segments and {@code TTTTTTTT.history} files, plus {@value #IDENTITY_FILE} (which cluster the archive
 * belongs to) and {@value #LOCK_FILE} (one receiver at a time). pg_receivewal ignores both.
 */
public final class ArchiveDirectory implements WalStore {

    public static final String IDENTITY_FILE = "walstream.identity";
    public static final String LOCK_FILE = "walstream.lock";

    /** The cluster an archive belongs to. */
    public record Identity(long systemId, WalSegmentSize segmentSize) {

        public String systemIdString() {
            return Long.toUnsignedString(systemId);
        }

        /** The identity file's text, as {@link #parse} reads it. */
        public byte[] format() {
            return ("# walstream archive identity: which cluster this WAL belongs to\n"
                    + "system_identifier=" + systemIdString() + "\n"
                    + "wal_segment_size=" + segmentSize.bytes() + "\n").getBytes(StandardCharsets.UTF_8);
        }

        /**
         * Reads an identity file's content.
         *
         * @throws ArchiveException when it lacks system_identifier or wal_segment_size or they are not valid
         */
        public static Identity parse(byte[] content, String where) {
            Properties p = new Properties();
            try {
                p.load(new java.io.StringReader(new String(content, StandardCharsets.UTF_8)));
                return new Identity(Long.parseUnsignedLong(p.getProperty("system_identifier").trim()),
                        WalSegmentSize.ofBytes(Integer.parseInt(p.getProperty("wal_segment_size").trim())));
            } catch (IOException | RuntimeException e) {
                throw new ArchiveException("archive identity file " + IDENTITY_FILE + " in " + where
                        + " is damaged (" + e.getMessage() + "); it must hold system_identifier and wal_segment_size",
                        null, null, e);
            }
        }
    }

    /** Where to start streaming into this archive, by pg_receivewal's rules. */
    public record ResumePoint(int timeline, Lsn start, WalFileName from) {
    }

    private final Path dir;
    private final ArchiveFileSystem fs;

    private ArchiveDirectory(Path dir, ArchiveFileSystem fs) {
        this.dir = dir;
        this.fs = fs;
    }

    /** Opens {@code dir}, creating it (durably) if it does not exist. */
    public static ArchiveDirectory create(Path dir) {
        return create(dir, ArchiveFileSystem.NIO);
    }

    /**
     * Opens {@code dir}, creating it (durably) if it does not exist; what is written into it (segments, renames,
     * fsyncs, the identity and history files) goes through {@code fs}.
     */
    public static ArchiveDirectory create(Path dir, ArchiveFileSystem fs) {
        Durable.createDirectories(fs, dir);
        return new ArchiveDirectory(dir.toAbsolutePath(), fs);
    }

    /** Opens an existing directory. */
    public static ArchiveDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ArchiveException("archive directory " + dir + " does not exist", dir, null);
        }
        return new ArchiveDirectory(dir.toAbsolutePath(), ArchiveFileSystem.NIO);
    }

    public Path path() {
        return dir;
    }

    /** Where writes into this directory go: {@link ArchiveFileSystem#NIO} unless a test records them. */
    public ArchiveFileSystem fileSystem() {
        return fs;
    }

    /** The path of a file in the archive; {@code fileName} is a name, never a path. */
    public Path resolve(String fileName) {
        return dir.resolve(fileName);
    }

    // ------------------------------------------------------------------ identity

    @Override
    public Optional<Identity> identity() {
        Path file = dir.resolve(IDENTITY_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        return Optional.of(Identity.parse(content, dir.toString()));
    }

    /**
     * Records which cluster this archive holds, or checks that it is the same one. A directory
     * without an identity file (pg_receivewal's) is checked against its newest segment's header.
     *
     * @throws ArchiveException when the archive belongs to another cluster or segment size
     */
    public Identity bindTo(long systemId, WalSegmentSize segmentSize) {
        Identity wanted = new Identity(systemId, segmentSize);
        Optional<Identity> existing = identity();
        if (existing.isEmpty()) {
            existing = identityFromSegments(segmentSize);
        }
        if (existing.isPresent() && !existing.get().equals(wanted)) {
            Identity had = existing.get();
            throw new ArchiveException("archive " + dir + " holds WAL of database system " + had.systemIdString()
                    + " (" + had.segmentSize() + " segments), but the server is system " + wanted.systemIdString()
                    + " (" + segmentSize + " segments); use an empty directory for this server", dir, null);
        }
        if (!Files.exists(dir.resolve(IDENTITY_FILE))) {
            Durable.writeFile(fs, dir.resolve(IDENTITY_FILE), wanted.format());
        }
        return wanted;
    }

    /** The system identifier in the long page header of the newest uncompressed segment, if any. */
    Optional<Identity> identityFromSegments(WalSegmentSize segmentSize) {
        List<WalFileName> segments = segments(segmentSize);
        for (int i = segments.size() - 1; i >= 0; i--) {
            WalFileName name = segments.get(i);
            if (name.compression() != WalFileName.Compression.NONE) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(dir.resolve(name.toString()), StandardOpenOption.READ)) {
                ByteBuffer header = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
                while (header.hasRemaining() && ch.read(header) > 0) {
                    // read the long page header
                }
                if (header.hasRemaining() || header.getShort(0) == 0) {
                    continue; // empty .partial
                }
                return Optional.of(new Identity(header.getLong(24), WalSegmentSize.ofBytes(header.getInt(32))));
            } catch (IOException | IllegalArgumentException e) {
                // unreadable or implausible header: verify reports it; the identity check cannot use it
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ contents

    /** Writes a timeline history file durably (it is small and never changes once written). */
    public void writeHistory(int timeline, byte[] content) {
        Durable.writeFile(fs, dir.resolve(WalFileName.historyFileName(timeline)), content);
    }

    // ------------------------------------------------------------------ the store

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public List<StoredFile> list() throws IOException {
        List<StoredFile> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                try {
                    BasicFileAttributes a = Files.readAttributes(entry, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        files.add(new StoredFile(entry.getFileName().toString(), a.size(), a.lastModifiedTime().toInstant()));
                    }
                } catch (NoSuchFileException e) {
                    // renamed or removed by a running receiver since it was listed
                }
            }
        }
        return files;
    }

    @Override
    public Optional<StoredFile> stat(String name) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(resolve(name), BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.of(new StoredFile(name, a.size(), a.lastModifiedTime().toInstant()))
                    : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(resolve(name));
    }

    @Override
    public Optional<Path> localFile(String name) {
        return Optional.of(resolve(name));
    }

    /** Copies {@code source} in through a fsynced temporary file and a rename, refusing to replace other bytes. */
    @Override
    public PutOutcome put(String name, Path source) throws IOException {
        Path target = resolve(name);
        if (Files.exists(target)) {
            if (Files.mismatch(target, source) == -1) {
                return PutOutcome.ALREADY_STORED;
            }
            throw new StoreConflictException(location(), name);
        }
        Path tmp = resolve(name + ".walstream-put");
        try (FileChannel out = Durable.openPrivate(fs, tmp, StandardOpenOption.TRUNCATE_EXISTING);
                FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
            SegmentFiles.transferFully(in, in.size(), out, source.toString());
            out.force(true);
        }
        Durable.rename(fs, tmp, target);
        return PutOutcome.STORED;
    }

    @Override
    public void delete(String name) throws IOException {
        deleteAll(List.of(name));
    }

    /** One directory fsync for the lot: per file it cost ~5 ms, 23 s to prune 5000 segments. */
    @Override
    public void deleteAll(List<String> names) throws IOException {
        boolean removed = false;
        for (String name : names) {
            removed |= fs.deleteIfExists(resolve(name));
        }
        if (removed) {
            Durable.syncDirectory(fs, dir);
        }
    }

    @Override
    public boolean receiverActive() {
        return isLockedByReceiver();
    }

    // ------------------------------------------------------------------ locking

    /**
     * Takes the receiver lock: only one {@code walstream receive} may write a directory.
     *
     * @throws ArchiveException when another process holds it
     */
    public AutoCloseable lockForWriting() {
        Path file = dir.resolve(LOCK_FILE);
        try {
            FileChannel ch = Durable.openPrivate(file, StandardOpenOption.READ);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new ArchiveException("another walstream receive is writing " + dir + " (" + LOCK_FILE
                        + " is locked)", file, null);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            FileLock held = lock;
            return () -> {
                held.release();
                ch.close();
            };
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock " + file, e);
        }
    }

    /** True when a receiver holds the lock right now. */
    public boolean isLockedByReceiver() {
        Path file = dir.resolve(LOCK_FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
