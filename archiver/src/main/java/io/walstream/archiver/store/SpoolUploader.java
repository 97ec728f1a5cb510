package io.walstream.archiver.store;

import io.walstream.archiver.ArchiveException;
import io.walstream.protocol.WalFileName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads a receiver's archive directory (the spool) into another store (object storage), beside the receiver and
 * without a hook in it: a file appears under its final name in the spool only once it is durable (a segment is
 * fsynced before its {@code .partial} is renamed away, a compressed segment and a history file are written as
 * {@code .tmp}, fsynced and renamed), so whatever has such a name is complete and may be uploaded. The directory is
 * watched for new names and scanned again every second; on start, what the store lacks is uploaded, so a restart
 * after a crash fills every gap.
 *
 * <p>{@value ArchiveDirectory#IDENTITY_FILE} goes first: a store holding another cluster's WAL is refused before any
 * segment is uploaded. Complete segments (with {@code --compress} only compressed ones: the plain file is about to be
 * replaced; a plain one only when compressing it failed, see {@link #uploadUncompressedWhen}) and history files are then put by {@code concurrency} uploaders, oldest first. A put that fails for a
 * reason that may pass (the store down, 5xx, a timeout) is retried with backoff for as long as it takes; the spool
 * keeps the file. A conflict (the store holds other bytes under that name) or a refusal (403) stops uploading and
 * is reported to {@code onFailure}. A local segment is removed only once uploaded, beyond the newest {@code keepLocal}
 * ones, and never the newest segment of the spool (where the receiver resumes).
 */
public final class SpoolUploader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SpoolUploader.class);
    private static final Duration SCAN_INTERVAL = Duration.ofSeconds(1);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    /**
     * @param concurrency parallel uploads
     * @param keepLocal   uploaded segments kept in the spool (the newest ones); negative keeps every one
     * @param compression the receiver's {@code --compress} method: with one, plain complete segments wait for it
     */
    public record Settings(int concurrency, int keepLocal, WalFileName.Compression compression) {

        public Settings {
            if (concurrency < 1) {
                throw new IllegalArgumentException("--upload-concurrency must be at least 1");
            }
        }
    }

    /**
     * Uploading the segment being received as {@code NAME.partial}, so at most {@code interval} of WAL lives only
     * in the spool. Only bytes already fsynced go: the upload is the spool's {@code .partial} up to
     * {@code durableLsn}, zero-filled to the segment size as pg_receivewal's {@code .partial} files are.
     *
     * @param interval   how often
     * @param durableLsn the receiver's durable (fsynced) position
     * @param target     replaces the store's {@code NAME.partial} atomically, or removes it
     */
    public record PartialUpload(Duration interval, java.util.function.LongSupplier durableLsn, PartialTarget target) {
    }

    /** A store's {@code .partial} objects, which, unlike archived files, are replaced as the segment grows. */
    public interface PartialTarget {

        void replace(String name, java.nio.file.Path source) throws IOException;

        void remove(String name) throws IOException;
    }

    private final ArchiveDirectory spool;
    private final WalStore store;
    private final Settings settings;
    private final Predicate<IOException> retryable;
    private final Consumer<Exception> onFailure;
    private final ExecutorService uploaders;
    private final Thread scanner;
    private final Set<String> uploaded = ConcurrentHashMap.newKeySet();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong uploadedFiles = new AtomicLong();
    private final AtomicLong uploadedBytes = new AtomicLong();
    /** Whether {@link #overSpoolLimit} held receiving back at its last answer. */
    private volatile boolean spoolHeld;
    private volatile ArchiveDirectory.Identity identity;
    private volatile Exception failure;
    private volatile boolean closed;
    private volatile String lastUploaded;
    private volatile PartialUpload partialUpload;
    private java.util.concurrent.ScheduledExecutorService partialUploader;
    /** The {@code .partial} in the store and how much of it is WAL; guarded by {@link #partialLock}. */
    private volatile String publishedPartial;
    private long publishedLength;
    private volatile long publishedPartialLsn;
    private final Object partialLock = new Object();
    private final StoreLag lag = new StoreLag(4096);
    private volatile java.util.function.LongSupplier flushedLsn;
    private volatile Predicate<WalFileName> compressionGaveUp = segment -> false;

    /**
     * @param retryable which failures of a put are worth retrying (beyond a {@link StoreConflictException}, never)
     * @param onFailure told once when uploading stops for good
     */
    public SpoolUploader(ArchiveDirectory spool, WalStore store, Settings settings, Predicate<IOException> retryable,
            Consumer<Exception> onFailure) {
        this.spool = spool;
        this.store = store;
        this.settings = settings;
        this.retryable = e -> !(e instanceof StoreConflictException) && retryable.test(e);
        this.onFailure = onFailure;
        AtomicInteger n = new AtomicInteger();
        this.uploaders = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "walstream-upload-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scanner = new Thread(this::scanLoop, "walstream-upload-scan");
        this.scanner.setDaemon(true);
    }

    /**
     * Learns what the store holds and, when the spool already knows its cluster, checks the store's; then starts
     * watching the spool.
     *
     * @throws ArchiveException     when the store holds another cluster's WAL
     * @throws UncheckedIOException when the store cannot be listed (unreachable, credentials refused)
     */
    public void start() {
        uploaded.addAll(store.names());
        if (spool.identity().isPresent()) {
            bindStore();
        }
        scanner.start();
        PartialUpload p = partialUpload;
        if (p != null) {
            partialUploader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "walstream-upload-partial");
                t.setDaemon(true);
                return t;
            });
            long millis = Math.max(1, p.interval().toMillis());
            partialUploader.scheduleWithFixedDelay(this::publishPartialQuietly, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Also uploads the segment being received; before {@link #start()}. */
    public void uploadPartials(PartialUpload upload) {
        this.partialUpload = upload;
    }

    /**
     * With compression, a plain complete segment waits for its compressed twin, unless {@code gaveUp} says
     * compressing it failed: then the plain one is uploaded (a store never silently lacks a segment). Before start.
     */
    public void uploadUncompressedWhen(Predicate<WalFileName> gaveUp) {
        this.compressionGaveUp = gaveUp;
    }

    /** Samples the receiver's flushed position once a second, for {@link #progress}'s lag in seconds; before start. */
    public void trackLag(java.util.function.LongSupplier flushed) {
        this.flushedLsn = flushed;
    }

    /**
     * Where the store stands against the receiver's flushed position: what it holds, how many bytes behind, and
     * how long ago the oldest WAL it lacks was flushed.
     */
    public io.walstream.archiver.metrics.ReceiverMetrics.Store progress(long flushed) {
        long now = System.nanoTime();
        lag.flushed(flushed, now);
        long archived = archivedLsn();
        long behind = archived <= 0 ? 0 : Math.max(0, flushed - archived);
        return new io.walstream.archiver.metrics.ReceiverMetrics.Store(Math.max(0, archived), behind,
                archived < 0 ? Double.NaN : behind == 0 ? 0 : lag.seconds(archived, now), uploadedFiles(),
                uploadedBytes(), failure != null);
    }

    /** The end of the WAL in the store's {@code .partial} (0 when none was uploaded). */
    public long partialUploadedLsn() {
        return publishedPartialLsn;
    }

    /** Files uploaded by this uploader (not counting those the store had). */
    public long uploadedFiles() {
        return uploadedFiles.get();
    }

    public long uploadedBytes() {
        return uploadedBytes.get();
    }

    /** The name last uploaded, or null. */
    public String lastUploaded() {
        return lastUploaded;
    }

    /** Complete files of the spool not in the store yet (uploading or waiting). */
    public int pending() {
        try {
            return candidates(false).size();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Bytes in the spool the store lacks: complete files (uploading, waiting, or a plain segment waiting to be
     * compressed first) and the {@code .partial} files of {@code next}'s timeline below it (a segment just completed,
     * not yet renamed); -1 when the spool cannot be read. The segment {@code next} itself is not counted.
     */
    public long pendingBytes(WalFileName next) {
        if (identity == null) {
            return 0; // nothing bound yet: nothing received
        }
        long bytes = 0;
        try {
            for (WalStore.StoredFile f : spool.list()) {
                String name = f.name();
                if (WalFileName.isHistoryFileName(name)) {
                    bytes += uploaded.contains(name) ? 0 : f.size();
                } else if (WalFileName.isWalFileName(name)) {
                    WalFileName segment = parse(name);
                    if (segment == null || archived(segment)) {
                        continue;
                    }
                    boolean finishing = segment.partial() && next != null && segment.timeline() == next.timeline()
                            && segment.segmentNumber() < next.segmentNumber();
                    if (!segment.partial() || finishing) {
                        bytes += f.size();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return bytes;
    }

    /**
     * The {@code --spool-max} rule: why receiving must wait before opening {@code next}, or empty when the spool
     * holds at most {@code maxBytes} not yet uploaded. Once it held receiving back, it lets go only below three
     * quarters of {@code maxBytes}: at the limit during a catch-up, receiving would otherwise pause and resume (and
     * log both) at every segment.
     */
    public Optional<String> overSpoolLimit(long maxBytes, WalFileName next) {
        long pending = pendingBytes(next);
        long limit = spoolHeld ? maxBytes - maxBytes / 4 : maxBytes;
        if (pending <= limit) {
            spoolHeld = false;
            return Optional.empty(); // also when the spool cannot be read: the writer's own I/O reports that
        }
        spoolHeld = true;
        return Optional.of("the spool " + spool.path() + " holds " + pending + " bytes not yet uploaded to "
                + store.location() + ", over --spool-max " + maxBytes + " (receiving resumes below "
                + (maxBytes - maxBytes / 4) + ")");
    }

    /** The store has this segment whole, in any form (plain or compressed). */
    private boolean archived(WalFileName segment) {
        WalFileName complete = segment.withPartial(false);
        for (WalFileName.Compression c : WalFileName.Compression.values()) {
            if (uploaded.contains(complete.withCompression(c).toString())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Everything the spool has before this LSN is in the store: complete segments up to the first one the store
     * lacks, and the part of the segment being received uploaded as {@code .partial}; 0 before anything was
     * received, -1 when the spool cannot be read.
     */
    public long archivedLsn() {
        if (identity == null) {
            return 0;
        }
        long upTo = publishedPartialLsn;
        for (String name : uploaded) {
            if (WalFileName.isWalFileName(name)) {
                WalFileName segment = parse(name);
                if (segment != null && !segment.partial()) {
                    upTo = Math.max(upTo, segment.endLsn().value());
                }
            }
        }
        long missing = Long.MAX_VALUE; // where the oldest WAL of the spool that the store lacks starts
        try {
            WalFileName receiving = null;
            for (String name : spool.names()) {
                WalFileName segment = WalFileName.isWalFileName(name) ? parse(name) : null;
                if (segment == null || archived(segment)) {
                    continue;
                }
                if (!segment.partial()) {
                    missing = Math.min(missing, segment.startLsn().value());
                } else if (receiving == null || segment.segmentNumber() > receiving.segmentNumber()) {
                    receiving = segment; // older .partial files (an old timeline's last piece) are never uploaded
                }
            }
            if (receiving != null) {
                long start = receiving.startLsn().value();
                missing = Math.min(missing, receiving.toString().equals(publishedPartial)
                        ? Math.max(start, publishedPartialLsn) : start);
            }
        } catch (RuntimeException e) {
            return -1;
        }
        return missing == Long.MAX_VALUE ? upTo : upTo == 0 ? missing : Math.min(upTo, missing);
    }

    /** Why uploading stopped, if it did. */
    public Optional<Exception> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Uploads everything complete in the spool now, waiting up to {@code timeout}.
     *
     * @return true when nothing is left to upload
     */
    public boolean drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (failure == null) {
            try {
                if (identity == null && spool.identity().isPresent()) {
                    bindStore();
                }
                if (identity == null) {
                    return true; // nothing was ever received
                }
                scan();
                if (inFlight.isEmpty() && candidates(false).isEmpty()) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
                return false;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ the cluster

    /** Puts the spool's identity into the store, or checks the store's against it. */
    private synchronized void bindStore() {
        if (identity != null) {
            return;
        }
        ArchiveDirectory.Identity local = spool.identity().orElseThrow();
        for (int attempt = 0; ; attempt++) {
            Optional<ArchiveDirectory.Identity> remote = store.identity();
            if (remote.isPresent()) {
                if (!remote.get().equals(local)) {
                    throw new ArchiveException(store.location() + " holds WAL of database system "
                            + remote.get().systemIdString() + " (" + remote.get().segmentSize() + " segments), but "
                            + spool.path() + " is of system " + local.systemIdString() + " (" + local.segmentSize()
                            + " segments); use another prefix for this server", spool.path(), null);
                }
                identity = local;
                return;
            }
            try {
                store.put(ArchiveDirectory.IDENTITY_FILE, spool.resolve(ArchiveDirectory.IDENTITY_FILE));
                uploaded.add(ArchiveDirectory.IDENTITY_FILE);
            } catch (StoreConflictException e) {
                if (attempt > 0) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
                // another receiver bound it just now: read it again
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
    }

    // ------------------------------------------------------------------ scanning

    private void scanLoop() {
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            spool.path().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            while (!closed && failure == null) {
                java.util.function.LongSupplier flushed = flushedLsn;
                if (flushed != null) {
                    lag.flushed(flushed.getAsLong(), System.nanoTime());
                }
                try {
                    if (identity == null && spool.identity().isPresent()) {
                        bindStore();
                    }
                    if (identity != null) {
                        scan();
                    }
                } catch (UncheckedIOException e) {
                    if (e.getCause() != null && retryable.test(e.getCause())) {
                        log.warn("could not reach {}: {}; trying again", store.location(), e.getMessage());
                    } else {
                        fail(e);
                    }
                } catch (IOException | RuntimeException e) {
                    fail(e);
                }
                WatchKey key = watch.poll(SCAN_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Queues every complete file the store lacks, oldest first. */
    private synchronized void scan() throws IOException {
        for (String name : candidates(true)) {
            inFlight.add(name);
            store.willPut(spool.resolve(name));
            uploaders.execute(() -> upload(name));
        }
    }

    /** History files first (a timeline's segments need them), then segments by number and timeline. */
    private List<String> candidates(boolean skipInFlight) throws IOException {
        List<String> histories = new ArrayList<>();
        List<WalFileName> segments = new ArrayList<>();
        for (WalStore.StoredFile f : spool.list()) {
            String name = f.name();
            if (uploaded.contains(name) || skipInFlight && inFlight.contains(name)) {
                continue;
            }
            if (WalFileName.isHistoryFileName(name)) {
                histories.add(name);
            } else if (WalFileName.isWalFileName(name)) {
                WalFileName segment = parse(name);
                // archived in another form (plain after a compression failure, compressed since): one copy is enough
                if (segment != null && !segment.partial() && !archived(segment)
                        && (settings.compression() == WalFileName.Compression.NONE
                        || segment.compression() != WalFileName.Compression.NONE
                        || compressionGaveUp.test(segment))) {
                    segments.add(segment);
                }
            }
        }
        histories.sort(Comparator.naturalOrder());
        segments.sort(Comparator.comparingLong(WalFileName::segmentNumber)
                .thenComparing(WalFileName::timeline, Integer::compareUnsigned));
        List<String> names = new ArrayList<>(histories);
        segments.forEach(s -> names.add(s.toString()));
        return names;
    }

    private WalFileName parse(String name) {
        try {
            return WalFileName.parse(name, identity.segmentSize());
        } catch (IllegalArgumentException e) {
            return null; // impossible for this segment size: not this archive's
        }
    }

    // ------------------------------------------------------------------ the segment being received

    private void publishPartialQuietly() {
        if (closed || failure != null || identity == null) {
            return;
        }
        try {
            publishPartial();
        } catch (NoSuchFileException e) {
            // completed (renamed) while being copied: its complete upload follows
        } catch (IOException e) {
            if (retryable.test(e)) {
                log.warn("could not upload the segment being received to {}: {}", store.location(), e.getMessage());
            } else {
                fail(e);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void publishPartial() throws IOException {
        WalFileName receiving = null;
        for (String name : spool.names()) {
            if (WalFileName.isWalFileName(name)) {
                WalFileName segment = parse(name);
                if (segment != null && segment.partial() && segment.compression() == WalFileName.Compression.NONE
                        && (receiving == null || segment.segmentNumber() > receiving.segmentNumber())) {
                    receiving = segment;
                }
            }
        }
        if (receiving == null) {
            return;
        }
        long start = receiving.startLsn().value();
        long segmentBytes = identity.segmentSize().bytes();
        long length = Math.min(partialUpload.durableLsn().getAsLong() - start, segmentBytes);
        if (length <= 0 || length >= segmentBytes) {
            return; // nothing fsynced in it yet, or complete: the complete upload follows
        }
        synchronized (partialLock) {
            String name = receiving.toString();
            WalFileName complete = receiving.withPartial(false);
            if (name.equals(publishedPartial) && length == publishedLength || uploaded.contains(complete.toString())
                    || uploaded.contains(complete.withCompression(settings.compression()).toString())) {
                return;
            }
            java.nio.file.Path copy = spool.resolve(".walstream-partial-upload");
            try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(spool.resolve(name));
                    java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(copy,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                SegmentFiles.transferFully(in, length, out, name);
                out.write(java.nio.ByteBuffer.allocate(1), segmentBytes - 1); // zero-filled to the segment size
            }
            partialUpload.target().replace(name, copy);
            Files.deleteIfExists(copy);
            String previous = publishedPartial;
            publishedPartial = name;
            publishedLength = length;
            publishedPartialLsn = start + length;
            if (previous != null && !previous.equals(name)) {
                partialUpload.target().remove(previous);
            }
        }
    }

    /**
     * Once a segment is uploaded whole, its {@code .partial} leaves the store: the one this uploader published, or
     * one an earlier run left there (it crashed, or ran with {@code --partial-upload-interval} and this one does not).
     */
    private void removePublishedPartial(String uploadedName) throws IOException {
        if (!WalFileName.isWalFileName(uploadedName)) {
            return;
        }
        WalFileName complete = parse(uploadedName);
        if (complete == null || complete.partial()) {
            return;
        }
        synchronized (partialLock) {
            String partial = complete.withCompression(WalFileName.Compression.NONE).withPartial(true).toString();
            if (partialUpload != null && partial.equals(publishedPartial)) {
                partialUpload.target().remove(partial);
                publishedPartial = null;
                publishedLength = 0;
            } else if (uploaded.remove(partial)) {
                store.delete(partial);
            }
        }
    }

    // ------------------------------------------------------------------ uploading

    private void upload(String name) {
        long backoff = 500;
        try {
            for (int attempt = 1; !closed && failure == null; attempt++) {
                try {
                    long size = Files.size(spool.resolve(name));
                    WalStore.PutOutcome outcome = store.put(name, spool.resolve(name));
                    synchronized (partialLock) {
                        uploaded.add(name);
                    }
                    removePublishedPartial(name);
                    uploadedFiles.incrementAndGet();
                    uploadedBytes.addAndGet(size);
                    lastUploaded = name;
                    if (settings.compression() != WalFileName.Compression.NONE && WalFileName.isWalFileName(name)
                            && !name.endsWith(settings.compression().suffix())) {
                        log.warn("{} uploaded to {} uncompressed: compressing it failed", name, store.location());
                    }
                    if (attempt > 1) {
                        log.info("{} uploaded to {} after {} attempts", name, store.location(), attempt);
                    } else {
                        log.debug("{} {} ({} bytes)", name, outcome == WalStore.PutOutcome.STORED ? "uploaded"
                                : "was already in the store", size);
                    }
                    removeUploadedSegments();
                    return;
                } catch (NoSuchFileException e) {
                    return; // compressed or removed since the scan: the next scan sees what replaced it
                } catch (IOException e) {
                    if (!retryable.test(e)) {
                        fail(e);
                        return;
                    }
                    if (attempt == 1 || attempt % 10 == 0) {
                        log.warn("upload of {} to {} failed (attempt {}), retrying: {}", name, store.location(),
                                attempt, e.getMessage());
                    }
                    Thread.sleep(backoff);
                    backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.remove(name);
        }
    }

    /** Removes uploaded segments from the spool beyond the newest {@code keepLocal}, never the newest one. */
    private synchronized void removeUploadedSegments() throws IOException {
        if (settings.keepLocal() < 0) {
            return;
        }
        List<WalFileName> segments = new ArrayList<>();
        for (String name : spool.names()) {
            if (WalFileName.isWalFileName(name)) {
                WalFileName segment = parse(name);
                if (segment != null) {
                    segments.add(segment);
                }
            }
        }
        if (segments.isEmpty()) {
            return;
        }
        long newest = segments.stream().mapToLong(WalFileName::segmentNumber).max().orElseThrow();
        List<WalFileName> complete = segments.stream().filter(s -> !s.partial())
                .sorted(Comparator.comparingLong(WalFileName::segmentNumber).reversed()).toList();
        for (int i = settings.keepLocal(); i < complete.size(); i++) {
            WalFileName segment = complete.get(i);
            if (segment.segmentNumber() < newest && archived(segment)) {
                spool.delete(segment.toString());
            }
        }
    }

    private void fail(Exception e) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = e;
        }
        log.error("uploading to {} stopped: {}", store.location(), e.getMessage());
        onFailure.accept(e);
    }

    /** Stops the scanner and the uploaders; what is not uploaded yet stays in the spool for the next start. */
    @Override
    public void close() {
        closed = true;
        scanner.interrupt();
        if (partialUploader != null) {
            partialUploader.shutdown();
        }
        uploaders.shutdown();
        try {
            if (!uploaders.awaitTermination(5, TimeUnit.SECONDS)) {
                uploaders.shutdownNow(); // a put still running: the store never shows half an object
                uploaders.awaitTermination(10, TimeUnit.SECONDS);
            }
            scanner.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
