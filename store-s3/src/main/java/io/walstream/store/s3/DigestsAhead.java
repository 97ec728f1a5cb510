package io.walstream.store.s3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Checksums of files about to be uploaded, computed by one thread ahead of their PUTs: the read and the MD5 of a
 * 16 MB segment (~25 ms) then overlap the previous PUT instead of preceding the next. At most {@link #CAPACITY}
 * are kept; a file changed since (size or modification time) or never announced is digested by its PUT, and so is
 * one whose turn has not come yet (after a backlog is queued, N uploaders would otherwise wait for one thread's N
 * digests in a row). The MD5 is computed only while the store needs it.
 */
final class DigestsAhead implements AutoCloseable {

    static final int CAPACITY = 32;

    /** {@code claimed}: taken by the digesting thread or by the PUT, whichever comes first. */
    private record Pending(long size, FileTime modified, AtomicBoolean claimed, CompletableFuture<ObjectDigest> digest) {
    }

    /** Whether PUTs need the MD5 too (the store refuses CRC32C checksum headers). */
    private final BooleanSupplier md5Needed;

    DigestsAhead(BooleanSupplier md5Needed) {
        this.md5Needed = md5Needed;
    }

    private final ExecutorService digester = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "walstream-s3-digest");
        t.setDaemon(true);
        return t;
    });

    /** Oldest announced first; past the capacity the oldest goes (its PUT digests the file itself). */
    private final Map<Path, Pending> pending = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Pending> eldest) {
            return size() > CAPACITY;
        }
    };

    /** Starts digesting {@code file} unless already started; a file that cannot be read now is left to its PUT. */
    void announce(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return;
        }
        synchronized (pending) {
            if (pending.containsKey(file)) {
                return;
            }
            AtomicBoolean claimed = new AtomicBoolean();
            CompletableFuture<ObjectDigest> digest = new CompletableFuture<>();
            digester.execute(() -> {
                if (claimed.compareAndSet(false, true)) {
                    try {
                        digest.complete(ObjectDigest.of(file, md5Needed.getAsBoolean()));
                    } catch (IOException | RuntimeException e) {
                        digest.completeExceptionally(e);
                    }
                }
            });
            pending.put(file, new Pending(attributes.size(), attributes.lastModifiedTime(), claimed, digest));
        }
    }

    /** The digest of {@code file} as it is now: the one computed ahead when the file has not changed since. */
    ObjectDigest digest(Path file) throws IOException {
        Pending ahead;
        synchronized (pending) {
            ahead = pending.remove(file);
        }
        if (ahead != null) {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            boolean unchanged = now.size() == ahead.size() && now.lastModifiedTime().equals(ahead.modified());
            boolean started = ahead.claimed().getAndSet(true); // if not, the digesting thread will skip it
            if (unchanged && started) {
                try {
                    ObjectDigest digest = ahead.digest().join();
                    if (digest.size() == now.size()) {
                        return md5Needed.getAsBoolean() ? digest.withMd5(file) : digest;
                    }
                } catch (CompletionException e) {
                    // read again below: the error, if it lasts, is reported by that read
                }
            }
        }
        return ObjectDigest.of(file, md5Needed.getAsBoolean());
    }

    @Override
    public void close() {
        digester.shutdownNow();
    }
}
