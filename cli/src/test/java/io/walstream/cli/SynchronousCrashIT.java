package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walstream receive --synchronous} as the primary's synchronous standby, SIGKILLed while
 * commits wait for it: every commit the server acknowledged before the kill must have its WAL in
 * the archive, on disk, identical to the server's.
 *
 * <p>A commit's WAL ends where its commit record ends, which is what the server waits for the
 * standby to flush before COMMIT returns. It is known only once COMMIT has returned: each round
 * looks the commit records of its transactions up with {@code pg_walinspect} (PostgreSQL 15 and
 * later). The insert position taken before COMMIT would leave the commit record itself unchecked.
 */
@ExtendWith(PgClusterExtension.class)
class SynchronousCrashIT {

    private static final String SLOT = "sync_crash_slot";
    private static final String APP = "walstream_sync_crash";
    private static final int WRITERS = 3;

    @Test
    void everyCommitAcknowledgedBeforeTheKillIsInTheArchive(@TempDir Path tmp, TestReporter reporter) throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        int rounds = Integer.getInteger("crash.syncRounds", 4);
        System.out.println("SynchronousCrashIT seed " + seed + " (-Dcrash.seed=" + seed + " to replay), " + rounds
                + " rounds");
        Random random = new Random(seed);
        Path archive = tmp.resolve("archive");
        long t0 = System.nanoTime();

        try (PgCluster pg = PgCluster.builder().name("sync_crash_primary").setting("wal_keep_size", "1GB").start()) {
            pg.execute("CREATE TABLE commits (id bigserial PRIMARY KEY, writer int, payload text)");
            pg.execute("CREATE EXTENSION pg_walinspect");
            pg.createPhysicalSlot(SLOT);
            try (CrashHarness h = new CrashHarness(pg, archive, tmp.resolve("logs"), reporter)) {
                long firstSegment = h.slotRestartLsn(SLOT) / h.segmentSize().bytes();
                String conninfo = h.conninfo(APP);
                long previouslyReported = h.slotRestartLsn(SLOT);
                long releasedByTheReload = 0;
                long acknowledgedTotal = 0;

                for (int round = 1; round <= rounds; round++) {
                    final int r = round;
                    pg.reload(Map.of("synchronous_standby_names", APP));
                    String log = "receive-sync-" + round;
                    Process p = h.walstream(log, "receive", "-D", archive.toString(), "-d", conninfo, "--slot", SLOT,
                            "--synchronous");
                    Writers writers = new Writers(pg);
                    try {
                        CrashHarness.await("round " + round + ": walstream is the synchronous standby", 120_000, () -> {
                            if (!p.isAlive()) {
                                throw new AssertionError("round " + r + ": walstream receive exited " + p.exitValue()
                                        + "; log:\n" + h.log(log));
                            }
                            return h.query("SELECT 1 FROM pg_stat_replication WHERE application_name = ?"
                                    + " AND sync_state = 'sync'", APP).size() == 1;
                        });
                        writers.start();
                        CrashHarness.await("round " + round + ": commits acknowledged", 120_000, () -> {
                            writers.throwIfFailed();
                            return writers.acknowledged() >= 10;
                        });
                        Thread.sleep(200 + random.nextInt(1300));
                        assertThat(p.isAlive()).as("round %d: walstream receive still running; log:%n%s", round,
                                h.log(log)).isTrue();
                        writers.killedAt = System.nanoTime(); // a commit that returned before this was acknowledged
                        CrashHarness.kill(p);
                    } finally {
                        p.destroyForcibly();
                        // no new commits; release those waiting for the dead standby; wait for the writers to end
                        writers.requestStop();
                        pg.reload(Map.of("synchronous_standby_names", ""));
                        writers.join();
                    }
                    writers.throwIfFailed();
                    long killedAt = writers.killedAt;
                    List<Ack> acks = writers.acks();
                    Map<Long, Long> commitEnds = commitRecordEnds(h, acks);
                    long acked = acks.stream().filter(a -> a.returnedAt < killedAt).mapToLong(a -> commitEnds.get(a.xid()))
                            .max().orElse(0);
                    long ackedCount = acks.stream().filter(a -> a.returnedAt < killedAt).count();
                    long released = acks.size() - ackedCount;
                    releasedByTheReload += released;
                    acknowledgedTotal += ackedCount;
                    assertThat(ackedCount).as("round %d: commits acknowledged before the kill", round).isPositive();

                    h.awaitSlotInactive(SLOT);
                    long reported = h.slotRestartLsn(SLOT);
                    h.assertNoDirtyPagesBetween(previouslyReported, reported, "round " + round + " (seed " + seed + ")");
                    previouslyReported = reported;
                    h.assertHoldsServerWalUpTo(firstSegment, acked, "round " + round + " (seed " + seed
                            + "): WAL of the commits acknowledged before the kill");
                    h.assertHoldsServerWalUpTo(firstSegment, reported, "round " + round + " (seed " + seed
                            + "): WAL reported flushed");
                    assertThat(reported).as("round %d: flush reported vs commits acknowledged", round)
                            .isGreaterThanOrEqualTo(acked);
                    System.out.printf("round %d: %d commits acknowledged before the kill (up to %s), %d in flight at"
                                    + " the kill (released by the reload); reported flush %s; archive %s%n", round, ackedCount,
                            Lsn.format(acked), released, Lsn.format(reported), h.shortListing());
                }
                assertThat(releasedByTheReload).as("commits in flight (waiting for walstream) at the kills, all rounds")
                        .isPositive();

                pg.switchWal();
                Lsn end = Lsn.parse(pg.currentWalLsn());
                int code = h.run("receive-final", 300, "receive", "-D", archive.toString(), "-d", conninfo, "--slot", SLOT,
                        "-E", end.toString());
                assertThat(code).as("final receive -E %s exit code; log:%n%s", end, h.log("receive-final")).isZero();
                h.assertHoldsServerWalUpTo(firstSegment, end.value(), "after the final receive to " + end);
                List<WalFileName> segments = h.assertNoGapNoDuplicate(firstSegment);
                int compared = h.assertCompleteSegmentsAreTheServers(segments);
                h.assertVerifyPasses();
                String dirtyPages = h.dirtyPageSummary();
                System.out.println(dirtyPages);
                reporter.publishEntry("dirty-page check", dirtyPages);
                System.out.printf("SynchronousCrashIT: %d rounds, %d commits acknowledged, %d released by the reloads,"
                                + " %d segments (%d complete, all the server's own), %d s%n", rounds, acknowledgedTotal,
                        releasedByTheReload, segments.size(), compared, (System.nanoTime() - t0) / 1_000_000_000);
            }
        }
    }

    /** A commit that returned: when, its transaction id (32 bits), and the insert position taken before COMMIT. */
    record Ack(long returnedAt, long xid, long insertLsnBeforeCommit) {
    }

    /**
     * The end LSN of the commit record of each acknowledged transaction, by xid, read from the server's WAL
     * after the commits returned. Fails if a commit record is missing or does not lie after the insert
     * position its transaction saw before COMMIT.
     */
    private static Map<Long, Long> commitRecordEnds(CrashHarness h, List<Ack> acks) {
        if (acks.isEmpty()) {
            return Map.of();
        }
        long from = acks.stream().mapToLong(Ack::insertLsnBeforeCommit).min().orElseThrow();
        Map<Long, Long> ends = new java.util.HashMap<>();
        for (List<String> row : h.query("SELECT xid::text, end_lsn::text FROM pg_get_wal_records_info(?::pg_lsn,"
                + " pg_current_wal_flush_lsn()) WHERE resource_manager = 'Transaction' AND record_type = 'COMMIT'",
                Lsn.format(from))) {
            ends.put(Long.parseLong(row.get(0)), Lsn.parse(row.get(1)).value());
        }
        for (Ack a : acks) {
            Long end = ends.get(a.xid());
            if (end == null || end <= a.insertLsnBeforeCommit()) {
                throw new AssertionError("no commit record of xid " + a.xid() + " after "
                        + Lsn.format(a.insertLsnBeforeCommit()) + " in the server's WAL (found " + end + ")");
            }
        }
        return ends;
    }

    /**
     * {@value #WRITERS} sessions committing 4 rows of 3 kB per transaction as fast as the standby lets them:
     * each flush then spans whole pages, which the dirty-page check can see.
     */
    static final class Writers {
        private final PgCluster pg;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();
        volatile long killedAt = Long.MAX_VALUE;

        Writers(PgCluster pg) {
            this.pg = pg;
        }

        void start() {
            for (int i = 0; i < WRITERS; i++) {
                int writer = i;
                Thread t = new Thread(() -> run(writer), "sync-writer-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private void run(int writer) {
            try (Connection c = pg.connect();
                    PreparedStatement insert = c.prepareStatement(
                            "INSERT INTO commits (writer, payload) SELECT ?, (SELECT string_agg(md5(random()::text || i || g), '')"
                                    + " FROM generate_series(1, 100) i) FROM generate_series(1, 4) g");
                    PreparedStatement position = c.prepareStatement(
                            "SELECT pg_current_wal_insert_lsn()::text, txid_current() % 4294967296");
                    PreparedStatement switchWal = c.prepareStatement("SELECT pg_switch_wal()")) {
                c.setAutoCommit(false);
                for (long n = 1; !stop.get(); n++) {
                    if (writer == 0 && n % 100 == 0) {
                        switchWal.execute(); // segment switches while synchronous, too
                        c.commit();
                    }
                    insert.setInt(1, writer);
                    insert.executeUpdate();
                    long lsn;
                    long xid;
                    try (ResultSet rs = position.executeQuery()) {
                        rs.next();
                        lsn = Lsn.parse(rs.getString(1)).value();
                        xid = rs.getLong(2);
                    }
                    c.commit(); // waits for the synchronous standby
                    acks.add(new Ack(System.nanoTime(), xid, lsn));
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        long acknowledged() {
            return acks.size();
        }

        /** No writer starts another transaction; those waiting for their commit go on waiting. */
        void requestStop() {
            if (killedAt == Long.MAX_VALUE) {
                killedAt = System.nanoTime();
            }
            stop.set(true);
        }

        /** Waits for the writers to end (the caller releases their commits first). */
        void join() throws InterruptedException {
            for (Thread t : threads) {
                t.join(120_000);
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " still waiting for its commit after 120 s");
                }
            }
        }

        List<Ack> acks() {
            return new ArrayList<>(acks);
        }

        void throwIfFailed() {
            Throwable t = failure.get();
            if (t != null) {
                throw new AssertionError("a writer failed: " + t, t);
            }
        }
    }
}
