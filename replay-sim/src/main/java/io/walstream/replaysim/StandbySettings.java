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
 * @param applyCosts              time the startup process needs to apply one record, by resource manager
 * @param tempFilesInTablespaces  whether a dropped tablespace still holds temporary files (then DROP TABLESPACE conflicts)
 * @param deadlockTimeoutMicros   deadlock_timeout: how long replay waits for a buffer pin before it cancels a pin holder
 *                                that is itself waiting for a lock replay holds
 * @param feedbackSinceMicros     with feedback: from when (on the receipts' clock) the primary has the standby's xmin;
 *                                {@link #FEEDBACK_AFTER_FIRST_STATUS} for one status interval after the first receipt
 * @param cancelCostMicros        what one cancellation costs the startup process: standby.c signals the victim, sleeps
 *                                5 ms and checks again, and signals and sleeps again while the victim has not ended
 * @param progressTimerMicros     log_startup_progress_interval (0: none): the startup process's progress timer, armed
 *                                before redo and left running in standby mode, whose SIGALRM ends a poll's sleep early
 * @param progressTimerPhaseMicros when one of that timer's ticks falls, on the receipts' clock (the standby log's "redo
 *                                starts at" line); {@link #TIMER_FROM_FIRST_RECEIPT} for the first receipt
 */
public record StandbySettings(long maxStandbyDelayMicros, boolean streaming, boolean hotStandbyFeedback,
        long statusIntervalMicros, ApplyCosts applyCosts, boolean tempFilesInTablespaces, long deadlockTimeoutMicros,
        long feedbackSinceMicros, long cancelCostMicros, long progressTimerMicros, long progressTimerPhaseMicros) {

    public static final long WAIT_FOREVER = -1;
    /** {@link #feedbackSinceMicros()}: the first status message after the stream starts. */
    public static final long FEEDBACK_AFTER_FIRST_STATUS = Long.MIN_VALUE;
    /** pg_usleep(5000L) after CancelVirtualTransaction in ResolveRecoveryConflictWithVirtualXIDs. */
    public static final long SLEEP_AFTER_CANCEL_MICROS = 5_000;
    /**
     * What a cancellation cost replay on PostgreSQL 17 (the validation's standby log: queries cancelled one right after
     * the other were 5.3 ms apart on average; the sleep, the signal, the re-check and a victim now and then slow to end).
     */
    public static final long MEASURED_CANCEL_COST_MICROS = 5_300;
    /** log_startup_progress_interval's default. */
    public static final long PROGRESS_INTERVAL_MICROS = 10_000_000;
    /** {@link #progressTimerPhaseMicros()}: the progress timer ticks at the first receipt (its real phase unknown). */
    public static final long TIMER_FROM_FIRST_RECEIPT = Long.MIN_VALUE;

    /**
     * PostgreSQL's defaults: 30 s, streaming, no feedback, status every 10 s, deadlock_timeout 1 s, the progress timer
     * every 10 s (ticking at the first receipt); 5 µs per record; 5.3 ms per cancellation, as measured.
     */
    public static StandbySettings defaults() {
        return new StandbySettings(30_000_000L, true, false, 10_000_000L, ApplyCosts.uniform(5), false, 1_000_000L,
                FEEDBACK_AFTER_FIRST_STATUS, MEASURED_CANCEL_COST_MICROS, PROGRESS_INTERVAL_MICROS, TIMER_FROM_FIRST_RECEIPT);
    }

    public StandbySettings withDelay(long micros) {
        return new StandbySettings(micros, streaming, hotStandbyFeedback, statusIntervalMicros, applyCosts,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    public StandbySettings withFeedback(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, on, statusIntervalMicros, applyCosts,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    public StandbySettings withStatusInterval(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, micros, applyCosts,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    public StandbySettings withStreaming(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, on, hotStandbyFeedback, statusIntervalMicros, applyCosts,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    /** The same cost, {@code micros}, for every record. */
    public StandbySettings withApplyCost(long micros) {
        return withApplyCosts(ApplyCosts.uniform(micros));
    }

    public StandbySettings withApplyCosts(ApplyCosts costs) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros, costs,
                tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    public StandbySettings withTempFilesInTablespaces(boolean on) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCosts, on, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    public StandbySettings withDeadlockTimeout(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCosts, tempFilesInTablespaces, micros, feedbackSinceMicros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    /** Feedback protects from {@code micros} on (the receipts' clock), instead of one status interval after the first receipt. */
    public StandbySettings withFeedbackSince(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCosts, tempFilesInTablespaces, deadlockTimeoutMicros, micros, cancelCostMicros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    public StandbySettings withCancelCost(long micros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCosts, tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, micros,
                progressTimerMicros, progressTimerPhaseMicros);
    }

    /**
     * The startup process's progress timer: every {@code intervalMicros} (0: none), one tick at {@code phaseMicros} on the
     * receipts' clock ({@link #TIMER_FROM_FIRST_RECEIPT}: at the first receipt).
     */
    public StandbySettings withProgressTimer(long intervalMicros, long phaseMicros) {
        return new StandbySettings(maxStandbyDelayMicros, streaming, hotStandbyFeedback, statusIntervalMicros,
                applyCosts, tempFilesInTablespaces, deadlockTimeoutMicros, feedbackSinceMicros, cancelCostMicros,
                intervalMicros, phaseMicros);
    }
}
