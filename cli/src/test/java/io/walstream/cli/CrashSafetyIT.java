package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive contract under SIGKILL: {@code walstream receive} (the packaged jar, a separate JVM,
 * default fsync policy) is killed at random moments while the primary writes, and restarted.
 * After every kill, all WAL up to the flush position the server was told about is on disk and
 * identical to the server's; at the end the archive has no gap and no duplicate, every complete
 * segment is the server's own, and {@code walstream verify} passes.
 *
 * <p>A SIGKILL keeps what the process wrote (the page cache survives it), so this catches a flush
 * reported before the data is written, and resume/rename/segment-switch defects; it cannot see a
 * missing fsync, which only a power loss would show.
 *
 * <p>{@code -Dcrash.seed=N} replays a run's random choices (kill delays; the load is not replayed),
 * {@code -Dcrash.rounds=N} changes the number of kills (default 20).
 */
@ExtendWith(PgClusterExtension.class)
class CrashSafetyIT {

    private static final String SLOT = "crash_slot";
    private static final String APP = "walstream_crash";

    @Test
    void sigkillAtRandomMomentsLosesNothingReportedFlushedAndLeavesNoGapOrDuplicate(@TempDir Path tmp, TestReporter reporter)
            throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        int rounds = Integer.getInteger("crash.rounds", 20);
        System.out.println("CrashSafetyIT seed " + seed + " (-Dcrash.seed=" + seed + " to replay), " + rounds
                + " rounds");
        Random random = new Random(seed);
        Path archive = tmp.resolve("archive");
        long t0 = System.nanoTime();

        try (PgCluster pg = PgCluster.builder().name("crash_primary")
                .setting("wal_keep_size", "4GB") // every segment stays in pg_wal to be compared
                .setting("max_wal_size", "4GB")
                .start()) {
            pg.execute("CREATE TABLE load (id bigserial PRIMARY KEY, payload text)");
            pg.createPhysicalSlot(SLOT);
            try (CrashHarness h = new CrashHarness(pg, archive, tmp.resolve("logs"), reporter)) {
                long firstSegment = h.slotRestartLsn(SLOT) / h.segmentSize().bytes();
                String conninfo = h.conninfo(APP);

                long previouslyReported = h.slotRestartLsn(SLOT);
                // The slot reserves WAL when it is created: that restart_lsn is the server's, not a flush
                // walstream reported, so a round killed before its first report has nothing to hold.
                long reservedAtCreation = previouslyReported;
                Load load = new Load(pg, seed);
                load.start();
                try {
                    for (int round = 1; round <= rounds; round++) {
                        load.throwIfFailed();
                        final int r = round;
                        String log = "receive-" + round;
                        Set<String> partialsBefore = h.partials();
                    long startedAt = System.nanoTime();
                        Process p = h.walstream(log, "receive", "-D", archive.toString(), "-d", conninfo, "--slot", SLOT);
                        // One round in four is killed counting from the process start (maybe before it streams:
                        // a kill while it opens and resumes the archive); the others from when it streams. One in
                        // four of those is killed the moment a second .partial appears, if that happens before the
                        // delay is up: a segment switch, while the finished segment is being fsynced and renamed.
                        int kind = random.nextInt(4);
                        boolean fromStart = kind == 0;
                        boolean atSwitch = kind == 1;
                        long delayMillis = 300 + random.nextInt(2701);
                        if (!fromStart) {
                            CrashHarness.await("round " + round + ": receive streaming", 120_000, () -> {
                                if (!p.isAlive()) {
                                    throw new AssertionError("round " + r + ": walstream receive exited "
                                            + p.exitValue() + " before streaming; log:\n" + h.log(log));
                                }
                                return h.streaming(APP);
                            });
                        }
                        String when;
                        long polled = 0;
                        if (atSwitch && h.awaitSecondPartial(partialsBefore, delayMillis)) {
                            when = "at a segment switch"; // no query first: the rename would likely be done by then
                        } else {
                            Thread.sleep(atSwitch ? 0 : delayMillis);
                            when = atSwitch ? "streaming, no switch seen" : fromStart ? "from start" : "streaming";
                            assertThat(p.isAlive()).as("round %d: walstream receive still running; log:%n%s", round,
                                    h.log(log)).isTrue();
                            polled = h.reportedFlush(APP);
                        }
                        CrashHarness.kill(p);
                        long ranMillis = (System.nanoTime() - startedAt) / 1_000_000;

                        h.awaitSlotInactive(SLOT);
                        long reported = h.slotRestartLsn(SLOT); // the last flush position the server heard of
                        assertThat(reported).as("round %d: slot restart_lsn vs flush_lsn polled before the kill", round)
                                .isGreaterThanOrEqualTo(polled);
                        h.assertNoDirtyPagesBetween(previouslyReported, reported, "round " + round + " (seed " + seed + ")");
                        if (reported > reservedAtCreation) {
                            h.assertHoldsServerWalUpTo(firstSegment, reported, "round " + round + " (seed " + seed + ")");
                        }
                        previouslyReported = reported;
                        System.out.printf("round %2d: killed after %4d ms (%s, +%d ms), reported flush %s, server at %s,"
                                        + " archive %s%n", round, ranMillis, when, delayMillis, Lsn.format(reported),
                                pg.currentWalLsn(), h.shortListing());
                    }
                } finally {
                    load.stop();
                }
                load.throwIfFailed();

                pg.switchWal();
                Lsn end = Lsn.parse(pg.currentWalLsn());
                int code = h.run("receive-final", 300, "receive", "-D", archive.toString(), "-d", conninfo, "--slot", SLOT,
                        "-E", end.toString());
                assertThat(code).as("final receive -E %s exit code; log:%n%s", end, h.log("receive-final")).isZero();
                h.awaitSlotInactive(SLOT);
                assertThat(h.slotRestartLsn(SLOT)).as("flush reported by the final receive").isGreaterThanOrEqualTo(end.value());

                h.assertHoldsServerWalUpTo(firstSegment, end.value(), "after the final receive to " + end);
                List<WalFileName> segments = h.assertNoGapNoDuplicate(firstSegment);
                int compared = h.assertCompleteSegmentsAreTheServers(segments);
                h.assertVerifyPasses();
                String dirtyPages = h.dirtyPageSummary();
                System.out.println(dirtyPages);
                reporter.publishEntry("dirty-page check", dirtyPages);
                System.out.printf("CrashSafetyIT: %d rounds, %d segments (%d complete, all the server's own),"
                                + " %s WAL written by the load, %d s%n", rounds, segments.size(), compared,
                        load.bytesDescription(), (System.nanoTime() - t0) / 1_000_000_000);
                assertThat(compared).as("complete segments compared").isGreaterThanOrEqualTo(2);
            }
        }
    }

    /** INSERTs of 2 kB rows in a loop, and a pg_switch_wal() now and then, on a thread of its own. */
    static final class Load {
        private final PgCluster pg;
        private final Random random;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicLong statements = new AtomicLong();
        private final Thread thread;
        private volatile String startLsn;

        Load(PgCluster pg, long seed) {
            this.pg = pg;
            this.random = new Random(seed ^ 0x5DEECE66DL);
            this.thread = new Thread(this::run, "crash-load");
            thread.setDaemon(true);
        }

        void start() {
            startLsn = pg.currentWalLsn();
            thread.start();
        }

        private void run() {
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                long nextSwitch = System.nanoTime() + switchGap();
                while (!stop.get()) {
                    // 8 rows of 2 kB of hex digits each; the subquery refers to g so it runs per row
                    s.execute("INSERT INTO load (payload) SELECT (SELECT string_agg(md5(random()::text || i || g), '')"
                            + " FROM generate_series(1, 64) i) FROM generate_series(1, 8) g");
                    statements.incrementAndGet();
                    if (System.nanoTime() > nextSwitch) {
                        s.execute("SELECT pg_switch_wal()");
                        nextSwitch = System.nanoTime() + switchGap();
                    }
                    Thread.sleep(2);
                }
            } catch (Throwable t) {
                if (!stop.get()) {
                    failure.set(t);
                }
            }
        }

        private long switchGap() {
            return (1500 + random.nextInt(2500)) * 1_000_000L;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(60_000);
            if (thread.isAlive()) {
                throw new AssertionError("the write load did not stop within 60 s");
            }
        }

        void throwIfFailed() {
            Throwable t = failure.get();
            if (t != null) {
                throw new AssertionError("the write load failed: " + t, t);
            }
        }

        String bytesDescription() {
            long bytes = Lsn.parse(pg.currentWalLsn()).value() - Lsn.parse(startLsn).value();
            return String.format("%.0f MB (%d INSERTs)", bytes / 1e6, statements.get());
        }
    }
}
