package io.walstream.archiver.pipeline;

import java.time.Duration;

/**
 * When received WAL is fsynced, and so how far the flush position reported to the server can go.
 *
 * @param mode     what triggers an fsync
 * @param interval for {@link Mode#INTERVAL}: the longest time written WAL stays un-fsynced
 */
public record FsyncPolicy(Mode mode, Duration interval) {

    public enum Mode {
        /** fsync when a segment completes and at least every {@code interval}: bounded loss, few fsyncs. */
        INTERVAL,
        /** fsync after every batch and report the flush at once: fit for synchronous_standby_names. */
        SYNCHRONOUS,
        /** Never fsync; the flush position reported is the write position. For tests only. */
        NONE
    }

    public FsyncPolicy {
        if (mode == null || interval == null || interval.isNegative()) {
            throw new IllegalArgumentException("fsync policy needs a mode and a non-negative interval");
        }
    }

    public static FsyncPolicy interval(Duration interval) {
        return new FsyncPolicy(Mode.INTERVAL, interval);
    }

    public static FsyncPolicy defaults() {
        return interval(Duration.ofSeconds(1));
    }

    public static FsyncPolicy synchronous() {
        return new FsyncPolicy(Mode.SYNCHRONOUS, Duration.ZERO);
    }

    public static FsyncPolicy none() {
        return new FsyncPolicy(Mode.NONE, Duration.ZERO);
    }
}
