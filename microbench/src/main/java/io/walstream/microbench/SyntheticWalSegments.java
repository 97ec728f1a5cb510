package io.walstream.microbench;

import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.SyntheticWal;
import java.util.SplittableRandom;

/**
 * Valid WAL for the benchmarks, laid out by the protocol module's test fixture {@link SyntheticWal} (page headers,
 * continuation records across pages and segments, prev-links, CRC-32C): segments filled with records of a given size
 * mix, ended by an XLOG_SWITCH a few kB before the last segment's end, as {@code pg_switch_wal()} leaves it.
 */
final class SyntheticWalSegments {

    static final int SEGMENT = 16 << 20;
    static final WalSegmentSize SIZE = WalSegmentSize.ofBytes(SEGMENT);
    static final int TIMELINE = 1;
    static final int MAJOR = 17;
    static final long SYSID = SyntheticWal.SYSID;

    private SyntheticWalSegments() {
    }

    /**
     * {@code segments} segments starting at segment number {@code firstSegment}. {@code records}: {@code small}
     * (main data of 20..200 bytes, like heap inserts and updates), {@code fpi} (8 kB, like full-page images), or
     * {@code mixed} (70 % small, 25 % 200 B..2 kB, 5 % 8 kB).
     */
    static SyntheticWal build(String records, long firstSegment, int segments) {
        SyntheticWal wal = new SyntheticWal(SEGMENT, firstSegment * SEGMENT, segments, MAJOR, TIMELINE);
        SplittableRandom random = new SplittableRandom(42);
        long stop = wal.end() - 3 * 8192;
        while (wal.position() < stop) {
            wal.append(recordData(records, random));
        }
        wal.appendSwitch();
        return wal;
    }

    private static int recordData(String records, SplittableRandom random) {
        switch (records) {
            case "small":
                return random.nextInt(20, 200);
            case "fpi":
                return 8192;
            case "mixed":
                int p = random.nextInt(100);
                return p < 70 ? random.nextInt(20, 200) : p < 95 ? random.nextInt(200, 2048) : 8192;
            default:
                throw new IllegalArgumentException("records: " + records + " (expected: small, mixed or fpi)");
        }
    }
}
