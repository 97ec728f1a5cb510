package io.walstream.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.ArchiveEnd;
import io.walstream.archiver.store.SegmentFiles;
import io.walstream.archiver.store.WalRestore;
import io.walstream.archiver.store.WalStore;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * Finds and reads what {@code /wal/NAME} asks for, off the I/O threads. Plain local files are handed over open, to be
 * sent with sendfile; compressed or remote files are read whole into memory first, so that a damaged one is an error
 * status and never a 200 with a short body. A request for segment N starts reading the next {@code prefetch} segments
 * of its timeline that need such work, into a small cache, because recovery asks for them one after another.
 */
final class WalFileSource {

    /** Why a stored file cannot be served: the archive is damaged (answered 500, naming the file). */
    static final class DamagedFileException extends RuntimeException {

        DamagedFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final JsonFactory JSON = new JsonFactory();
    /** {@code {"key": value, "key": value}} on one line, as health checks and people read it. */
    private static final DefaultPrettyPrinter ONE_LINE = new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEntrySpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(DefaultPrettyPrinter.NopIndenter.instance);

    private final WalStore store;
    private final int prefetch;
    private final Executor workers;
    private final LongSupplier flushedLsn;
    private final Map<String, CompletableFuture<byte[]>> cache;
    private volatile Optional<ArchiveDirectory.Identity> identity = Optional.empty();

    /**
     * @param flushedLsn where the WAL of a {@code .partial} is durable, when a receiver in this process says so;
     *                   null to read it from the file (the end of its last whole record)
     */
    WalFileSource(WalStore store, int prefetch, Executor workers, LongSupplier flushedLsn) {
        this.store = store;
        this.prefetch = prefetch;
        this.workers = workers;
        this.flushedLsn = flushedLsn;
        int capacity = prefetch + 2;
        // Oldest put goes first, not least recently used: a segment prefetched ahead is not used until its turn, and
        // evicting by use threw out the very next one just before recovery asked for it (decoded twice, late).
        this.cache = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<byte[]>> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The body for {@code request}, or empty when the archive does not have it; completes on a worker thread. */
    CompletableFuture<Optional<WalBody>> fetch(WalFileRequest request) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return request.partial() ? partial(request.name()) : whole(request.name());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, workers);
    }

    private Optional<WalBody> whole(String name) throws IOException {
        for (int attempt = 1; ; attempt++) {
            Optional<WalRestore.Found> found = WalRestore.find(store, name, false);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            String stored = found.get().file().name();
            boolean segment = WalRestore.isSegmentName(name);
            if (segment) {
                prefetchAfter(name);
            }
            try {
                Optional<Path> local = store.localFile(stored);
                if (local.isPresent() && found.get().compression() == WalFileName.Compression.NONE) {
                    FileChannel channel = FileChannel.open(local.get(), StandardOpenOption.READ);
                    WalBody body = new WalBody.OpenFile(channel, channel.size());
                    checkSize(name, stored, body);
                    return Optional.of(body);
                }
                WalBody body = new WalBody.Bytes(cached(stored));
                checkSize(name, stored, body);
                return Optional.of(body);
            } catch (NoSuchFileException e) {
                // a running receiver replaced it (NAME by NAME.zst) since it was found: look again
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private void checkSize(String name, String stored, WalBody body) {
        try {
            WalRestore.checkSegmentSize(store, name, body.length(), segmentSizeBytes());
        } catch (ArchiveException e) {
            body.discard();
            throw new DamagedFileException(e.getMessage().replace(name + " holds", stored + " holds"), e);
        }
    }

    /** The archive's segment size, else the default (an archive without an identity file: pg_receivewal's). */
    private WalSegmentSize segmentSize() {
        return identity().map(ArchiveDirectory.Identity::segmentSize).orElse(WalSegmentSize.DEFAULT);
    }

    private Optional<Integer> segmentSizeBytes() {
        return identity().map(i -> i.segmentSize().bytes());
    }

    private Optional<ArchiveDirectory.Identity> identity() {
        Optional<ArchiveDirectory.Identity> known = identity;
        if (known.isEmpty()) {
            known = store.identity(); // a receiver writes it when it first connects
            identity = known;
        }
        return known;
    }

    /** The stored file's plain bytes, read once and kept for the next request (prefetch fills the same cache). */
    private byte[] cached(String stored) throws NoSuchFileException {
        CompletableFuture<byte[]> load;
        boolean mine = false;
        synchronized (cache) {
            load = cache.get(stored);
            if (load == null) {
                load = new CompletableFuture<>();
                cache.put(stored, load);
                mine = true;
            }
        }
        if (mine) {
            complete(load, stored);
        }
        try {
            return load.join();
        } catch (CompletionException e) {
            synchronized (cache) {
                cache.remove(stored, load);
            }
            if (e.getCause() instanceof NoSuchFileException gone) {
                throw gone;
            }
            throw (RuntimeException) e.getCause();
        }
    }

    private void complete(CompletableFuture<byte[]> load, String stored) {
        try {
            // short or long content comes back at its size: the size check names it
            load.complete(SegmentFiles.readDecompressed(store, stored, segmentSize().bytes()));
        } catch (NoSuchFileException e) {
            load.completeExceptionally(e);
        } catch (IOException | RuntimeException e) {
            load.completeExceptionally(new DamagedFileException("could not read " + stored + " in "
                    + store.location() + ": " + e + "; the archive is damaged: run walstream verify", e));
        }
    }

    /** Starts reading the segments after {@code name} that are compressed or remote, unless already cached. */
    private void prefetchAfter(String name) {
        if (prefetch == 0) {
            return;
        }
        WalSegmentSize size = segmentSize();
        WalFileName current = WalFileName.parse(name, size);
        for (int i = 1; i <= prefetch; i++) {
            String next = WalFileName.of(current.timeline(), current.segmentNumber() + i, size).segmentName();
            workers.execute(() -> prefetch(next));
        }
    }

    private void prefetch(String name) {
        try {
            Optional<WalRestore.Found> found = WalRestore.find(store, name, false);
            if (found.isEmpty()) {
                return;
            }
            String stored = found.get().file().name();
            if (store.localFile(stored).isPresent() && found.get().compression() == WalFileName.Compression.NONE) {
                return; // sent from the page cache by sendfile: nothing to prepare
            }
            CompletableFuture<byte[]> load;
            synchronized (cache) {
                if (cache.containsKey(stored)) {
                    return;
                }
                load = new CompletableFuture<>();
                cache.put(stored, load);
            }
            complete(load, stored);
        } catch (IOException | RuntimeException e) {
            // the request itself will find out and say so
        }
    }

    /**
     * The segment still being received: its bytes up to where they are durable, then zeros to the segment size, as
     * PostgreSQL reads a segment whose WAL ends early (it asks again later).
     */
    private Optional<WalBody> partial(String name) throws IOException {
        Optional<WalRestore.Found> found = WalRestore.findPartial(store, name);
        if (found.isEmpty()) {
            return whole(name); // completed meanwhile: the whole segment is the better answer
        }
        String stored = found.get().file().name();
        WalSegmentSize size = segmentSize();
        WalFileName segment = WalFileName.parse(stored, size);
        long start = segment.startLsn().value();
        long end = flushedLsn != null ? flushedLsn.getAsLong()
                : ArchiveEnd.walEndOf(store, segment, size).value();
        int keep = (int) Math.max(0, Math.min(size.bytes(), end - start));
        byte[] content = new byte[size.bytes()];
        try (InputStream in = SegmentFiles.openDecompressed(store, stored)) {
            int n = in.readNBytes(content, 0, keep);
            java.util.Arrays.fill(content, n, content.length, (byte) 0);
        } catch (NoSuchFileException e) {
            // completed since it was found: the whole segment is what the client wants
            return whole(name);
        }
        return Optional.of(new WalBody.Bytes(content));
    }

    /** The status document for health checks: which archive, whose WAL, where it ends. */
    CompletableFuture<String> fetchStatus() {
        return CompletableFuture.supplyAsync(() -> {
            Optional<ArchiveDirectory.Identity> id = identity();
            WalSegmentSize size = segmentSize();
            Optional<ArchiveEnd> end = ArchiveEnd.of(store, size);
            StringWriter out = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.setPrettyPrinter(ONE_LINE.createInstance());
                g.writeStartObject();
                g.writeStringField("archive", store.location());
                g.writeStringField("systemIdentifier", id.map(ArchiveDirectory.Identity::systemIdString).orElse(null));
                g.writeBooleanField("receiverActive", store.receiverActive());
                g.writeFieldName("timeline");
                if (end.isPresent()) {
                    g.writeNumber(Integer.toUnsignedLong(end.get().timeline()));
                } else {
                    g.writeNull();
                }
                g.writeStringField("newestSegment", end.map(e -> e.newest().toString()).orElse(null));
                g.writeStringField("walEnd", end.map(e -> e.walEnd().toString()).orElse(null));
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a StringWriter does not fail
            }
            return out.append('\n').toString();
        }, workers);
    }
}
