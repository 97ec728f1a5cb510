package io.walstream.archiver.compress;

import io.walstream.archiver.store.ArchiveDirectory;

import com.github.luben.zstd.ZstdOutputStream;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.Durable;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compresses completed segments on its own thread, so neither the receive path nor the flush
 * position ever waits for it. Segments are received uncompressed (a {@code .partial} can then be
 * rewritten in place and its flushed bytes are exact) and, once complete and durable, replaced by
 * {@code NAME.gz}, {@code NAME.lz4} (an LZ4 frame, as pg_receivewal writes) or {@code NAME.zst}.
 *
 * <p>Crash safety: the compressed file is written as {@code NAME.X.tmp}, fsynced, renamed, the
 * directory fsynced, and only then is {@code NAME} removed. At any instant the archive holds the
 * segment whole in at least one form; {@link #recover} finishes what a crash interrupted.
 */
public final class SegmentCompressor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SegmentCompressor.class);
    private static final String TMP = ".tmp";

    private final ArchiveDirectory dir;
    private final SegmentCompression compression;
    private final boolean fsync;
    private final ExecutorService executor;
    private final AtomicLong segmentsCompressed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong plainBytes = new AtomicLong();
    private final AtomicLong compressedBytes = new AtomicLong();
    /** Segments whose compression failed in this run: they stay plain, and are archived so. */
    private final java.util.Set<WalFileName> gaveUp = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Fault injection for tests: called before each segment is compressed; may throw. */
    interface CompressFault {
        void beforeCompress(WalFileName segment) throws IOException;
    }

    static volatile CompressFault fault;
    private volatile BooleanSupplier catchingUp = () -> false;
    private volatile int maxBacklog = Integer.MAX_VALUE;
    private volatile boolean closing;

    public SegmentCompressor(ArchiveDirectory dir, SegmentCompression compression, boolean fsync) {
        if (compression.method() == WalFileName.Compression.NONE) {
            throw new IllegalArgumentException("no compression method given");
        }
        this.dir = dir;
        this.compression = compression;
        this.fsync = fsync;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "walstream-compress");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * While {@code catchingUp} says the receiver is behind the server, compression waits (up to
     * {@code maxBacklog} queued segments): on a busy machine the CPU goes first to making WAL
     * durable, which is what bounds data loss, and the backlog is compressed once caught up.
     */
    public void yieldWhile(BooleanSupplier catchingUp, int maxBacklog) {
        this.catchingUp = catchingUp;
        this.maxBacklog = maxBacklog;
    }

    /** Queues a complete, durable, uncompressed segment. Any thread; returns at once. */
    public void submit(WalFileName segment) {
        if (segment.partial() || segment.compression() != WalFileName.Compression.NONE) {
            throw new IllegalArgumentException("only complete uncompressed segments are compressed, not " + segment);
        }
        executor.execute(() -> compressQuietly(segment));
    }

    /**
     * Finishes what a crash interrupted, before streaming starts: removes half-written
     * {@code .tmp} files, removes a plain segment whose compressed twin is complete, and queues
     * every other complete uncompressed segment (so the archive ends up uniformly compressed).
     */
    public void recover(WalSegmentSize segmentSize) {
        try (Stream<Path> files = Files.list(dir.path())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(TMP) && WalFileName.isWalFileName(name.substring(0, name.length() - TMP.length()))) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new ArchiveException("could not list " + dir.path() + ": " + e, dir.path(), null, e);
        }
        for (WalFileName name : dir.segments(segmentSize)) {
            if (name.partial() || name.compression() != WalFileName.Compression.NONE) {
                continue;
            }
            Path twin = dir.resolve(name.withCompression(compression.method()).toString());
            if (Files.isRegularFile(twin)) {
                delete(dir.resolve(name.toString()));
            } else {
                submit(name);
            }
        }
    }

    private void compressQuietly(WalFileName segment) {
        try {
            while (!closing && catchingUp.getAsBoolean() && pending() <= maxBacklog) {
                Thread.sleep(50);
            }
            compress(segment);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // shutting down: the next start compresses it
        } catch (IOException | RuntimeException e) {
            // The plain segment stays: the archive is complete, only larger. The next start retries. An
            // uploader waiting for the compressed twin ({@link #gaveUp}) uploads the plain one instead.
            gaveUp.add(segment);
            failures.incrementAndGet();
            log.error("could not compress {} with {}; it stays uncompressed (and is archived so): {}", segment,
                    compression, e.toString());
        }
    }

    void compress(WalFileName segment) throws IOException {
        CompressFault f = fault;
        if (f != null) {
            f.beforeCompress(segment);
        }
        Path plain = dir.resolve(segment.toString());
        Path target = dir.resolve(segment.withCompression(compression.method()).toString());
        Path tmp = target.resolveSibling(target.getFileName() + TMP);
        long in;
        long out;
        try (InputStream source = Files.newInputStream(plain);
                FileChannel ch = Durable.openPrivate(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
            try (OutputStream os = compressing(new KeepOpen(Channels.newOutputStream(ch)))) {
                in = source.transferTo(os);
            }
            out = ch.size();
            if (fsync) {
                ch.force(true);
            }
        } catch (NoSuchFileException e) {
            if (Files.isRegularFile(target)) {
                return; // compressed already (queued twice)
            }
            throw e;
        }
        Durable.move(tmp, target);
        if (fsync) {
            Durable.syncDirectory(dir.path()); // the compressed file is durable under its name before the plain one goes
        }
        delete(plain);
        if (fsync) {
            Durable.syncDirectory(dir.path());
        }
        segmentsCompressed.incrementAndGet();
        plainBytes.addAndGet(in);
        compressedBytes.addAndGet(out);
    }

    private OutputStream compressing(OutputStream out) throws IOException {
        int level = compression.level();
        return switch (compression.method()) {
            case GZIP -> new GZIPOutputStream(out, 1 << 16) {
                {
                    def.setLevel(level);
                }
            };
            case LZ4 -> new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, -1L,
                    level == 0 ? LZ4Factory.fastestInstance().fastCompressor()
                            : LZ4Factory.fastestInstance().highCompressor(level),
                    net.jpountz.xxhash.XXHashFactory.fastestInstance().hash32(),
                    LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
            case ZSTD -> new ZstdOutputStream(out, level);
            case NONE -> throw new IllegalStateException("no compression");
        };
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new ArchiveException("could not remove " + file + ": " + e, file, null, e);
        }
    }

    public SegmentCompression compression() {
        return compression;
    }

    public long segmentsCompressed() {
        return segmentsCompressed.get();
    }

    public long failures() {
        return failures.get();
    }

    /** True when compressing this (complete, plain) segment failed in this run: it will stay plain until a restart. */
    public boolean gaveUp(WalFileName segment) {
        return gaveUp.contains(segment);
    }

    /** Plain bytes in and compressed bytes out, over the segments compressed so far. */
    public long plainBytes() {
        return plainBytes.get();
    }

    public long compressedBytes() {
        return compressedBytes.get();
    }

    /** Segments queued and not yet compressed. */
    public int pending() {
        return ((ThreadPoolExecutor) executor).getQueue().size() + ((ThreadPoolExecutor) executor).getActiveCount();
    }

    /** Waits for every queued segment (a stopping receiver leaves the archive compressed). */
    @Override
    public void close() {
        closing = true;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.MINUTES)) {
                log.warn("compression of {} segments did not finish; the next start completes it", pending());
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    /** Lets the compressor finish its frame without closing the channel, which is fsynced afterwards. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
