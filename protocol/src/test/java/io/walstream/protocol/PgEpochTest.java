package io.walstream.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

final class PgEpochTest {

    @Test
    void epochIsMidnight2000Utc() {
        assertThat(PgEpoch.fromInstant(Instant.parse("2000-01-01T00:00:00Z"))).isZero();
        assertThat(PgEpoch.fromInstant(Instant.EPOCH)).isEqualTo(-946_684_800_000_000L);
    }

    @Test
    void convertsClockToMicroseconds() {
        Clock clock = Clock.fixed(Instant.parse("2024-01-01T00:00:00.123456789Z"), ZoneOffset.UTC);
        // Computed independently: (unix seconds of 2024-01-01) * 1e6 + 123456 - 946684800000000.
        assertThat(PgEpoch.now(clock)).isEqualTo(757_382_400_123_456L);
    }

    @Test
    void convertsBack() {
        assertThat(PgEpoch.toInstant(757_382_400_123_456L)).isEqualTo(Instant.parse("2024-01-01T00:00:00.123456Z"));
        assertThat(PgEpoch.toInstant(-1)).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
        assertThat(PgEpoch.fromInstant(Instant.parse("1999-12-31T23:59:59.999999Z"))).isEqualTo(-1);
    }
}
