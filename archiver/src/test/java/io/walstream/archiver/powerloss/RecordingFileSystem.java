package io.walstream.archiver.powerloss;

import io.walstream.archiver.ArchiveFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fault injection for power loss: the archive's file operations done on the real file system ({@link #NIO}) and
 * logged in the order they happened, with the bytes of every write, so that {@link PowerCut} can build what a power
 * cut at any point of the log could leave. Files are named by an inode number (a rename moves the inode, writes
 * through an open channel follow it). An fsync or a directory fsync is logged before it is made: what was written
 * before it started is durable once it ends, and a cut between is the state just before it.
 */
final class RecordingFileSystem implements ArchiveFileSystem {

    /** One logged operation. Paths are relative to the recorded root (the archive directory). */
    sealed interface Op permits Create, Write, Truncate, Force, Move, Delete, MakeDirectory, SyncDirectory,
            FlushReported {
    }

    /** A new file: inode {@code inode} gets the entry {@code name}. */
    record Create(String name, int inode) implements Op {
    }

    record Write(int inode, long position, byte[] bytes) implements Op {
    }

    record Truncate(int inode, long size) implements Op {
    }

    /** fsync or fdatasync: the inode's data and size (both make the size durable). */
    record Force(int inode) implements Op {
    }

    record Move(String from, String to) implements Op {
    }

    record Delete(String name) implements Op {
    }

    /** The recorded root itself was created (its entry is in its parent). */
    record MakeDirectory(String name) implements Op {
    }

    /** A directory fsync: {@code name} "" for the root, ".." for its parent. */
    record SyncDirectory(String name) implements Op {
    }

    /** The receiver reported {@code lsn} flushed to the server (its durable position). */
    record FlushReported(long lsn) implements Op {
    }

    private final Path root;
    private final List<Op> ops = new ArrayList<>();
    private final Map<String, Integer> inodes = new HashMap<>();
    private int nextInode;
    private long bytesWritten;

    RecordingFileSystem(Path root) {
        this.root = root.toAbsolutePath();
    }

    Path root() {
        return root;
    }

    synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    synchronized long bytesWritten() {
        return bytesWritten;
    }

    synchronized void flushReported(long lsn) {
        ops.add(new FlushReported(lsn));
    }

    private synchronized void log(Op op) {
        ops.add(op);
        if (op instanceof Write w) {
            bytesWritten += w.bytes().length;
        }
    }

    private String name(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (abs.equals(root)) {
            return "";
        }
        if (abs.equals(root.getParent())) {
            return "..";
        }
        if (!root.equals(abs.getParent())) {
            throw new IllegalArgumentException("the recording covers the files of " + root + " only, not " + p);
        }
        return abs.getFileName().toString();
    }

    @Override
    public FileChannel open(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
            throws IOException {
        String name = name(file);
        FileChannel channel;
        int inode;
        synchronized (this) {
            boolean existed = Files.exists(file);
            channel = FileChannel.open(file, options, attributes);
            Integer known = inodes.get(name);
            if (!existed || known == null) {
                inode = nextInode++;
                inodes.put(name, inode);
                log(new Create(name, inode));
            } else {
                inode = known;
            }
            if (existed && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                log(new Truncate(inode, 0));
            }
        }
        return new RecordingChannel(channel, inode);
    }

    @Override
    public synchronized void move(Path from, Path to) throws IOException {
        ArchiveFileSystem.NIO.move(from, to);
        Integer inode = inodes.remove(name(from));
        if (inode != null) {
            inodes.put(name(to), inode);
        }
        log(new Move(name(from), name(to)));
    }

    @Override
    public synchronized boolean deleteIfExists(Path file) throws IOException {
        boolean removed = ArchiveFileSystem.NIO.deleteIfExists(file);
        if (removed) {
            inodes.remove(name(file));
            log(new Delete(name(file)));
        }
        return removed;
    }

    @Override
    public synchronized void createDirectory(Path dir, FileAttribute<?>... attributes) throws IOException {
        ArchiveFileSystem.NIO.createDirectory(dir, attributes);
        log(new MakeDirectory(name(dir)));
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        log(new SyncDirectory(name(dir)));
        ArchiveFileSystem.NIO.syncDirectory(dir);
    }

    /** A file channel whose writes, fsyncs and size changes are logged; everything else is the file's own. */
    private final class RecordingChannel extends FileChannel {
        private final FileChannel file;
        private final int inode;

        RecordingChannel(FileChannel file, int inode) {
            this.file = file;
            this.inode = inode;
        }

        private int logged(ByteBuffer src, long position, int written) {
            if (written > 0) {
                byte[] bytes = new byte[written];
                src.duplicate().position(src.position() - written).get(bytes);
                log(new Write(inode, position, bytes));
            }
            return written;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            synchronized (RecordingFileSystem.this) { // the write and its place in the log are one step
                return logged(src, position, file.write(src, position));
            }
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            synchronized (RecordingFileSystem.this) {
                long position = file.position();
                return logged(src, position, file.write(src));
            }
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += write(srcs[i]);
            }
            return total;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            log(new Force(inode));
            file.force(metaData);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            synchronized (RecordingFileSystem.this) {
                file.truncate(size);
                log(new Truncate(inode, size));
            }
            return this;
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException("not recorded: transferFrom");
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            if (mode != MapMode.READ_ONLY) {
                throw new UnsupportedOperationException("not recorded: writable mapping");
            }
            return file.map(mode, position, size);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return file.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            file.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return file.transferTo(position, count, target);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return file.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return file.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            file.close();
        }
    }
}
