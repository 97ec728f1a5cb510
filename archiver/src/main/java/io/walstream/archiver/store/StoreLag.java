package io.walstream.archiver.store;

/**
 * How long ago the oldest WAL not yet in the store was made durable: a ring of (flushed LSN, time) samples taken as
 * the receiver's flushed position moves, from which the first sample past the store's archived LSN tells when that
 * WAL was flushed. Samples the store has passed are dropped; when the ring is full every other one is (the oldest
 * stays, so the answer only loses precision, never age). WAL flushed before this run started counts from the first
 * sample. Thread-safe.
 */
final class StoreLag {

    private final long[] lsns;
    private final long[] nanos;
    private int head;
    private int size;

    StoreLag(int capacity) {
        lsns = new long[capacity];
        nanos = new long[capacity];
    }

    /** The receiver's flushed position at {@code nanoTime}; ignored unless it moved on. */
    synchronized void flushed(long lsn, long nanoTime) {
        if (lsn <= 0 || size > 0 && lsn <= lsns[index(size - 1)]) {
            return;
        }
        if (size == lsns.length) {
            thin();
        }
        lsns[index(size)] = lsn;
        nanos[index(size)] = nanoTime;
        size++;
    }

    /** Seconds since the WAL right after {@code archivedLsn} was flushed; 0 when the store has every flushed byte. */
    synchronized double seconds(long archivedLsn, long nowNanos) {
        while (size > 0 && lsns[head] <= archivedLsn) {
            head = index(1);
            size--;
        }
        return size == 0 ? 0 : Math.max(0, nowNanos - nanos[head]) / 1e9;
    }

    /** Keeps samples 0, 2, 4, ...: half the ring, the same span. */
    private void thin() {
        int kept = 0;
        for (int i = 0; i < size; i += 2) {
            lsns[index(kept)] = lsns[index(i)];
            nanos[index(kept)] = nanos[index(i)];
            kept++;
        }
        size = kept;
    }

    private int index(int i) {
        return (head + i) % lsns.length;
    }
}
