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
 * @param feedbackSinceMicros     with feedback: from when (on the receipts' clock) the primary has the standby's xmin;
 *                                {@link #FEEDBACK_AFTER_FIRST_STATUS} for one status interval after the first receipt
 * @param cancelCostMicros        what one cancellation costs the startup process: standby.c signals the victim, sleeps
 *                                5 ms and checks again, and signals and sleeps again while the victim has not ended
 */
public record StandbySettings(long maxStandbyDelayMicros, boolean streaming, boolean hotStandbyFeedback,
        long statusIntervalMicros, long applyCostMicros, boolean tempFilesInTablespaces, long deadlockTimeoutMicros,
        long feedbackSinceMicros, long cancelCostMicros) {

    public static final long WAIT_FOREVER = -1;
    /** {@link #feedbackSinceMicros()}: the first status message after the stream starts. */
    public static final long FEEDBACK_AFTER_FIRST_STATUS = Long.MIN_VALUE;
    /** pg_usleep(5000L) after CancelVirtualTransaction in ResolveRecoveryConflictWithVirtualXIDs. */
    public static final long SLEEP_AFTER_CANCEL_MICROS = 5_000;

    /**
     * PostgreSQL's defaults: 30 s, streaming, no feedback, status every 10 s, deadlock_timeout 1 s; 5 µs per record; one
     * 5 ms sleep per cancellation.
     */
    public static StandbySettings defaults() {
        return new StandbySettings(30_000_000L, true, false, 10_000_000L, 5, false, 1_000_000L,
                FEEDBACK_AFTER_FIRST_STATUS, SLEEP_AFTER_CANCEL_MICROS);
    }

    public StandbySettings withDelay(long micros) {
        return new StandbySettings(micros, streaming, hotStandbyFeedback, statusIntervalMicros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros);
    }

    public StandbySettings withFeedback(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, on, statusIntervalMicros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros);
    }

    public StandbySettings withStatusInterval(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, micros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros);
    }

    public StandbySettings withStreaming(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, on, hotStandbyFeedback, statusIntervalMicros, applyCostMicros,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros);
    }

    public StandbySettings withApplyCost(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros, micros,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros);
    }

    public StandbySettings withTempFilesInTablespaces(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCostMicros, on, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros);
    }

    public StandbySettings withDeadlockTimeout(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCostMicros, tempFilesInTablespaces, micros, feedbackSinceMicros, cancelCostMicros);
    }

    /** Feedback protects from {@code micros} on (the receipts' clock), instead of one status interval after the first receipt. */
    public StandbySettings withFeedbackSince(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCostMicros, tempFilesInTablespaces, deadlockTimeoutMicros, micros, cancelCostMicros);
    }

    public StandbySettings withCancelCost(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCostMicros, tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, micros);
    }
}
