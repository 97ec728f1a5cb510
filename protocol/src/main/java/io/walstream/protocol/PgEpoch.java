package io.walstream.protocol;

import java.time.Clock;
import java.time.Instant;

/**
 * PostgreSQL timestamps on the replication wire: wall-clock microseconds since 2000-01-01 00:00:00 UTC.
 * Always derived from a {@link Clock}, never from {@code System.nanoTime()}, which has no epoch.
 */
public final class PgEpoch {

    /** 2000-01-01T00:00:00Z in microseconds since the Unix epoch. */
    public static final long UNIX_MICROS_AT_PG_EPOCH = 946_684_800_000_000L;

    private PgEpoch() {
    }

    /** Now, in PostgreSQL microseconds. */
    public static long now(Clock clock) {
        return fromInstant(clock.instant());
    }

    public static long fromInstant(Instant instant) {
        long unixMicros = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
        return Math.subtractExact(unixMicros, UNIX_MICROS_AT_PG_EPOCH);
    }

    public static Instant toInstant(long pgMicros) {
        long unixMicros = Math.addExact(pgMicros, UNIX_MICROS_AT_PG_EPOCH);
        return Instant.ofEpochSecond(Math.floorDiv(unixMicros, 1_000_000L), Math.floorMod(unixMicros, 1_000_000L) * 1_000L);
    }
}
