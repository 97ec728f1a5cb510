package io.walstream.pgcluster;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting until the server is where a caller needs it: a postmaster.pid status (started,
 * ready, standby), a reload done, its processes gone, WAL replayed up to an LSN. It decides
 * from what the server itself says (postmaster.pid, its log, SQL), and every wait has a timeout
 * whose failure carries the end of the server log.
 */
final class ServerReadiness {

    private static final Logger log = LoggerFactory.getLogger(ServerReadiness.class);
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

    private final PgCluster cluster;
    private final ServerProcess process;
    private final ServerLog serverLog;

    ServerReadiness(PgCluster cluster, ServerProcess process, ServerLog serverLog) {
        this.cluster = cluster;
        this.process = process;
        this.serverLog = serverLog;
    }

    /**
     * Waits for postmaster.pid's status line (line 8: starting, stopping, ready, standby); fails
     * at once when the postmaster died or logged its shutdown after {@code logStart}.
     */
    void awaitStatus(Set<String> wanted, long logStart, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = process.pidFileLines();
            if (lines.size() >= 8 && wanted.contains(lines.get(7).trim())
                    && ProcessTable.isAlive(Long.parseLong(lines.get(0).trim()))) {
                return;
            }
            Long pid = lines.isEmpty() ? null : Long.valueOf(lines.get(0).trim());
            if (pid != null && !ProcessTable.isAlive(pid) || serverLog.since(logStart).contains("database system is shut down")) {
                throw cluster.failure("the server exited while starting");
            }
            if (System.nanoTime() > deadline) {
                throw cluster.failure("the server did not become " + wanted + " in " + timeout);
            }
            sleep(20);
        }
    }

    /** Waits until the postmaster has reread its files after a SIGHUP sent after {@code logBefore} (it logs that). */
    void awaitReload(long logBefore) {
        long deadline = System.nanoTime() + RELOAD_TIMEOUT.toNanos();
        while (!serverLog.since(logBefore).contains("received SIGHUP, reloading configuration files")) {
            if (System.nanoTime() > deadline) {
                throw cluster.failure("the server did not reload its configuration in 30 s");
            }
            sleep(10);
        }
    }

    /** Waits until no process of the cluster is left; kills the rest after {@code timeout}. */
    void awaitNoProcesses(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!process.processes().isEmpty()) {
            if (System.nanoTime() > deadline) {
                log.warn("{}: processes {} outlived the stop; killing them", cluster.name(), process.processes());
                process.killAll();
                return;
            }
            sleep(20);
        }
    }

    /** Waits until the server accepts connections, then until it has replayed WAL up to {@code lsn}. */
    void awaitReplay(String lsn, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitStatus(Set.of("ready", "standby"), serverLog.size(), timeout);
        while (!Boolean.parseBoolean(cluster.queryString(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, false)::text", lsn))) {
            if (System.nanoTime() > deadline) {
                throw cluster.failure("replay did not reach " + lsn + " in " + timeout + " (replayed: "
                        + cluster.queryString("SELECT pg_last_wal_replay_lsn()::text") + ")");
            }
            sleep(20);
        }
    }

    /** The poll interval of every wait here; an interrupt ends the wait with a failure. */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgClusterException("interrupted", e);
        }
    }
}
