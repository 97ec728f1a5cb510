package io.walstream.archiver.metrics;

import java.lang.invoke.VarHandle;

/**
 * Fixed-bucket latency histogram for one writer thread (the flusher): recording is a few plain
 * long increments, with no allocation and no lock, so it can sit next to every fsync. Readers on
 * other threads take a consistent {@link #snapshot()} through a sequence counter (a seqlock).
 */
public final class LatencyHistogram {

    /** Upper bounds in seconds: fsync ranges from tens of microseconds (NVMe, tmpfs) to seconds (a stalled disk). */
    static final double[] DEFAULT_BOUNDS_SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
    };

    /** A consistent copy: {@code cumulativeCounts[i]} observations took at most {@code upperBoundsSeconds[i]}. */
    public record Snapshot(double[] upperBoundsSeconds, long[] cumulativeCounts, long count, double sumSeconds) {
    }

    private final double[] boundsSeconds;
    private final long[] boundsNanos;
    /** Per bucket, not cumulative; the last one is +Inf. */
    private final long[] counts;
    private long count;
    private long sumNanos;
    /** Odd while the writer is updating. */
    private volatile long version;

    public LatencyHistogram() {
        this(DEFAULT_BOUNDS_SECONDS);
    }

    LatencyHistogram(double[] upperBoundsSeconds) {
        this.boundsSeconds = upperBoundsSeconds.clone();
        this.boundsNanos = new long[boundsSeconds.length];
        for (int i = 0; i < boundsSeconds.length; i++) {
            boundsNanos[i] = (long) (boundsSeconds[i] * 1e9);
            if (i > 0 && boundsNanos[i] <= boundsNanos[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must ascend");
            }
        }
        this.counts = new long[boundsSeconds.length + 1];
    }

    /** Records one observation. Only ever called by the single writer thread. */
    public void record(long nanos) {
        int i = 0;
        while (i < boundsNanos.length && nanos > boundsNanos[i]) {
            i++;
        }
        long v = version;
        version = v + 1;
        VarHandle.storeStoreFence(); // the odd version is visible before any count changes
        counts[i]++;
        count++;
        sumNanos += nanos;
        version = v + 2; // volatile write: releases the counts above
    }

    /** A copy in which the buckets, count and sum agree. Any thread; retries while the writer is mid-update. */
    public Snapshot snapshot() {
        long[] copy = new long[counts.length];
        while (true) {
            long before = version;
            if ((before & 1) == 0) {
                System.arraycopy(counts, 0, copy, 0, copy.length);
                long n = count;
                long sum = sumNanos;
                VarHandle.loadLoadFence(); // the copies above happen before re-reading the version
                if (version == before) {
                    long[] cumulative = new long[boundsSeconds.length];
                    long running = 0;
                    for (int i = 0; i < cumulative.length; i++) {
                        running += copy[i];
                        cumulative[i] = running;
                    }
                    return new Snapshot(boundsSeconds.clone(), cumulative, n, sum / 1e9);
                }
            }
            Thread.onSpinWait();
        }
    }
}
