package io.walstream.replaysim.validate;

import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Arrays;

/**
 * Ground truth for replay lag in {@code simulate --validate}: polls a hot standby's
 * {@code pg_last_wal_replay_lsn()} every few milliseconds and keeps (wall-clock time, replayed LSN). A commit was
 * replayed by the first sample at or past its end: finer than {@code pg_stat_replication.replay_lag}, which
 * depends on the standby's replies. The probe connects to a database the readers do not use, so that its own
 * snapshots never meet their recovery conflicts.
 */
final class ReplayProbe implements AutoCloseable {

    private final Thread thread;
    private final long intervalMillis;
    private volatile boolean running = true;
    private long[] times = new long[1 << 14];
    private long[] lsns = new long[1 << 14];
    private int size;
    private volatile Exception failure;

    ReplayProbe(PgCluster standby, long intervalMillis) {
        this.intervalMillis = intervalMillis;
        Connection c = standby.connect();
        thread = new Thread(() -> poll(c), "replay-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll(Connection c) {
        Clock clock = Clock.systemUTC();
        try (c; Statement s = c.createStatement()) {
            while (running) {
                try (ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn()")) {
                    rs.next();
                    add(PgEpoch.now(clock), Lsn.parse(rs.getString(1)).value());
                }
                Thread.sleep(intervalMillis);
            }
        } catch (SQLException | RuntimeException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void add(long time, long lsn) {
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            lsns = Arrays.copyOf(lsns, size * 2);
        }
        times[size] = time;
        lsns[size++] = lsn;
    }

    /** The replayed LSN of the latest sample. */
    synchronized long replayed() {
        return size == 0 ? 0 : lsns[size - 1];
    }

    /** When the standby was first seen to have replayed up to {@code lsn}, or -1 if not yet. */
    synchronized long replayedAt(long lsn) {
        int lo = 0;
        int hi = size;
        while (lo < hi) { // replay LSNs only grow: the first sample at or past lsn
            int mid = (lo + hi) >>> 1;
            if (lsns[mid] >= lsn) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo < size ? times[lo] : -1;
    }

    @Override
    public void close() throws Exception {
        running = false;
        thread.join(5_000);
        if (failure != null) {
            throw new IllegalStateException("the replay probe failed: " + failure.getMessage(), failure);
        }
    }
}
