package io.walstream.replaysim;

/**
 * The standby's settings the model reads.
 *
 * @param maxStandbyDelayMicros   max_standby_streaming_delay (or _archive_delay when not streaming); -1 waits forever,
 *                                0 cancels at the first check
 * @param streaming               WAL arrives by streaming (receipt time follows the chunk rule) rather than from the archive
 *                                (receipt time = when the segment was opened)
 * @param hotStandbyFeedback      hot_standby_feedback: see {@link Simulator} for the approximation
 * @param statusIntervalMicros    wal_receiver_status_interval: how often feedback reaches the primary
 * @param applyCostMicros         time the startup process needs to apply one record
 * @param tempFilesInTablespaces  whether a dropped tablespace still holds temporary files (then DROP TABLESPACE conflicts)
 * @param deadlockTimeoutMicros   deadlock_timeout: how long replay waits for a buffer pin before it cancels a pin holder
 *                                that is itself waiting for a lock replay holds
 */
public record StandbySettings(long maxStandbyDelayMicros, boolean streaming, boolean hotStandbyFeedback,
        long statusIntervalMicros, long applyCostMicros, boolean tempFilesInTablespaces, long deadlockTimeoutMicros) {

    public static final long WAIT_FOREVER = -1;

    /** PostgreSQL's defaults: 30 s, streaming, no feedback, status every 10 s, deadlock_timeout 1 s; 5 µs per record. */
    public static StandbySettings defaults() {
        return new StandbySettings(30_000_000L, true, false, 10_000_000L, 5, false, 1_000_000L);
    }

    public StandbySettings withDelay(long micros) {
        return new StandbySettings(micros, streaming, hotStandbyFeedback, statusIntervalMicros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros);
    }

    public StandbySettings withFeedback(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, on, statusIntervalMicros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros);
    }

    public StandbySettings withStatusInterval(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, micros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros);
    }

    public StandbySettings withStreaming(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, on, hotStandbyFeedback, statusIntervalMicros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros);
    }

    public StandbySettings withApplyCost(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros, micros,
                tempFilesInTablespaces, deadlockTimeoutMicros);
    }

    public StandbySettings withTempFilesInTablespaces(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCostMicros, on, deadlockTimeoutMicros);
    }

    public StandbySettings withDeadlockTimeout(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCostMicros, tempFilesInTablespaces, micros);
    }
}
