package io.walstream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The age of the oldest WAL the store lacks, from (flushed LSN, time) samples; times are given, not measured. */
final class StoreLagTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theAgeIsThatOfTheFirstFlushPastWhatTheStoreHas() {
        StoreLag lag = new StoreLag(16);
        lag.flushed(100, 10 * SECOND);
        lag.flushed(200, 20 * SECOND);
        lag.flushed(200, 25 * SECOND); // no progress: no sample
        lag.flushed(300, 30 * SECOND);
        assertThat(lag.seconds(50, 40 * SECOND)).isEqualTo(30.0);
        assertThat(lag.seconds(150, 40 * SECOND)).as("WAL past 150 was flushed by the 20 s sample").isEqualTo(20.0);
        assertThat(lag.seconds(100, 40 * SECOND)).isEqualTo(20.0);
        assertThat(lag.seconds(300, 40 * SECOND)).as("the store has every flushed byte").isZero();
        lag.flushed(400, 50 * SECOND);
        assertThat(lag.seconds(300, 55 * SECOND)).isEqualTo(5.0);
    }

    @Test
    void aFullRingKeepsItsOldestSample() {
        StoreLag lag = new StoreLag(4);
        for (int i = 1; i <= 20; i++) {
            lag.flushed(i * 100L, i * SECOND);
        }
        assertThat(lag.seconds(0, 100 * SECOND)).as("the first flush still dates the oldest WAL").isEqualTo(99.0);
        assertThat(lag.seconds(1950, 100 * SECOND)).as("the newest sample is always kept").isEqualTo(80.0);
    }
}
