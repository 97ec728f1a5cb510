/**
 * Real PostgreSQL servers for tests, benchmarks and the demo. {@link io.walstream.pgcluster.PgCluster}
 * is the one public face of a server; which class decides what:
 *
 * <ul>
 *   <li>{@code PgCluster}: a cluster's identity and state (name, port, running, closed) and the order
 *       of things: initdb, the first start that stores the password, retry on a taken port, stop, close.</li>
 *   <li>{@code ServerProcess}: the programs (initdb, {@code pg_ctl start/stop/reload}) run as the
 *       {@code ServerAccount}, postmaster.pid, stale lock files, killing what is left.</li>
 *   <li>{@code ConfigFiles}: the default settings, pgcluster.conf (included from postgresql.conf) and
 *       pg_hba.conf, replication lines included.</li>
 *   <li>{@code ServerReadiness}: every wait (started, ready, reloaded, processes gone, WAL replayed),
 *       each with a timeout.</li>
 *   <li>{@code SuperuserSql}: SQL through pgjdbc as the superuser, no psql needed.</li>
 *   <li>{@code StandbyCreation} and {@code BaseBackup}: a hot standby from pg_basebackup or the
 *       low-level backup API.</li>
 *   <li>{@code ServerLog}: the server log, read by the waits and kept after close.</li>
 *   <li>{@code PgBinaries}, {@code MavenCentralBinaries}: which binaries run; {@code ClusterRegistry}:
 *       every cluster of this JVM, closed at exit; {@code TlsFiles}: generated certificates.</li>
 * </ul>
 */
package io.walstream.pgcluster;
