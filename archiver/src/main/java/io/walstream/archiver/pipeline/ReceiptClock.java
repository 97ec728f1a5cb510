package io.walstream.archiver.pipeline;

import io.walstream.protocol.PgEpoch;
import java.time.Clock;

/**
 * Wall-clock PostgreSQL-epoch microseconds for receipt times, read once per message on the I/O thread
 * without allocating: {@code nanoTime} elapsed since an anchor taken from the wall clock, re-anchored
 * every second so that clock adjustments (NTP) show within a second. Not for status messages, which
 * take the wall clock itself. One thread at a time.
 */
final class ReceiptClock {

    private static final long REANCHOR_NANOS = 1_000_000_000L;

    private final Clock clock;
    private long anchorMicros;
    private long anchorNanos;

    ReceiptClock(Clock clock) {
        this.clock = clock;
        anchor(System.nanoTime());
    }

    long nowMicros() {
        long nanos = System.nanoTime();
        if (nanos - anchorNanos >= REANCHOR_NANOS) {
            anchor(nanos);
        }
        return anchorMicros + (nanos - anchorNanos) / 1_000;
    }

    private void anchor(long nanos) {
        anchorMicros = PgEpoch.now(clock);
        anchorNanos = nanos;
    }
}
