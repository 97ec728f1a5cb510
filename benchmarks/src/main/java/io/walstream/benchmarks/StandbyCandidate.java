package io.walstream.benchmarks;

import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.Directories;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.StandbyOptions;
import io.walstream.pgcluster.StopMode;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What can stand behind a primary as its (synchronous or asynchronous) standby in a benchmark: nothing,
 * PostgreSQL's own streaming standby, pg_receivewal, or walstream. Each is attached for its turn only, so
 * a run measures one candidate with nothing else connected, and is detached afterwards.
 */
enum StandbyCandidate {
    NONE("none"),
    POSTGRES_STANDBY("postgres standby"),
    PG_RECEIVEWAL("pg_receivewal"),
    WALSTREAM("walstream");

    final String label;

    StandbyCandidate(String label) {
        this.label = label;
    }

    /** The application_name it connects with, which is what synchronous_standby_names lists. */
    String applicationName() {
        return switch (this) {
            case NONE -> "";
            case POSTGRES_STANDBY -> "bench_pg_standby";
            case PG_RECEIVEWAL -> "bench_pg_receivewal";
            case WALSTREAM -> "bench_walstream";
        };
    }

    /** The candidates this machine can run: pg_receivewal only when installed for the server's version. */
    static List<StandbyCandidate> available(Path pgReceivewal) {
        return pgReceivewal == null ? List.of(NONE, POSTGRES_STANDBY, WALSTREAM) : List.of(values());
    }

    /** One attached candidate; closing detaches it (and makes the primary forget it as synchronous). */
    interface Attached extends AutoCloseable {
        /** Process id whose memory is the candidate's, or -1 when it runs inside this JVM or is nothing. */
        default long pid() {
            return -1;
        }

        /** The candidate's own view of its flush lag in ms (walstream's metrics), or NaN when it has none. */
        default double ownFlushLagMillis() {
            return Double.NaN;
        }

        @Override
        void close() throws Exception;
    }

    /** Shared setup across turns: the standby's data directory is made once and restarted per turn. */
    static final class Bench implements AutoCloseable {
        final PgCluster primary;
        final Path workDir;
        final Path pgReceivewal;
        private PgCluster standby;

        Bench(PgCluster primary, Path workDir, Path pgReceivewal) {
            this.primary = primary;
            this.workDir = workDir;
            this.pgReceivewal = pgReceivewal;
        }

        /**
         * Attaches {@code c}, waits until the primary streams to it and, with {@code synchronous}, until it is
         * the synchronous standby ({@code sync_state = 'sync'}). With {@code fsyncEachBatch} the receivers
         * run with {@code --synchronous} (fsync and report after each batch) even when not the synchronous
         * standby; the sync benchmark always sets both.
         */
        Attached attach(StandbyCandidate c, boolean synchronous, boolean fsyncEachBatch) throws Exception {
            Attached attached = switch (c) {
                case NONE -> () -> { };
                case POSTGRES_STANDBY -> postgresStandby();
                case PG_RECEIVEWAL -> pgReceivewal(fsyncEachBatch);
                case WALSTREAM -> walstream(fsyncEachBatch);
            };
            try {
                primary.reload(Map.of("synchronous_standby_names",
                        synchronous && c != NONE ? "\"" + c.applicationName() + "\"" : ""));
                if (c != NONE) {
                    awaitStreaming(c.applicationName(), synchronous);
                }
                return new Attached() {
                    @Override
                    public long pid() {
                        return attached.pid();
                    }

                    @Override
                    public double ownFlushLagMillis() {
                        return attached.ownFlushLagMillis();
                    }

                    @Override
                    public void close() throws Exception {
                        try {
                            primary.reload(Map.of("synchronous_standby_names", ""));
                        } finally {
                            attached.close();
                        }
                    }
                };
            } catch (Exception | Error e) {
                attached.close();
                throw e;
            }
        }

        private Attached postgresStandby() {
            if (standby == null) {
                standby = primary.createStandby(StandbyOptions.streaming(POSTGRES_STANDBY.applicationName()));
            } else {
                standby.start();
            }
            PgCluster s = standby;
            return () -> s.stop(StopMode.FAST);
        }

        private Attached pgReceivewal(boolean synchronous) throws Exception {
            Path dir = Files.createTempDirectory(workDir, "pg_receivewal-");
            List<String> command = new java.util.ArrayList<>(List.of(pgReceivewal.toString(), "-D", dir.toString(),
                    "-d", "host=127.0.0.1 port=" + primary.port() + " user=" + primary.superuser() + " sslmode=disable"
                            + " application_name=" + PG_RECEIVEWAL.applicationName(), "-w", "-n"));
            if (synchronous) {
                command.add("--synchronous");
            }
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile());
            pb.environment().put("PGPASSWORD", primary.password());
            Process p = pb.start();
            return new Attached() {
                @Override
                public long pid() {
                    return p.pid();
                }

                @Override
                public void close() throws Exception {
                    p.destroy();
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor();
                    }
                    Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".log"));
                    Directories.deleteRecursively(dir);
                }
            };
        }

        private Attached walstream(boolean synchronous) throws Exception {
            Path dir = Files.createTempDirectory(workDir, "walstream-");
            ReceiveOptions options = ReceiveOptions.of(
                            ConnectionSettings.fromConninfo(primary.replicationConninfo(WALSTREAM.applicationName())))
                    .withFsync(synchronous ? FsyncPolicy.synchronous() : FsyncPolicy.defaults())
                    .withLoop(false, Duration.ofSeconds(1));
            ArchiveReceiver receiver = new ArchiveReceiver(dir, options);
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            return new Attached() {
                @Override
                public double ownFlushLagMillis() {
                    double seconds = receiver.metrics().lagSeconds();
                    return Double.isNaN(seconds) ? Double.NaN : seconds * 1000;
                }

                @Override
                public void close() throws Exception {
                    receiver.stop();
                    try {
                        run.get(60, TimeUnit.SECONDS);
                    } finally {
                        receiver.close();
                        Directories.deleteRecursively(dir);
                    }
                }
            };
        }

        private void awaitStreaming(String applicationName, boolean synchronous) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            String want = synchronous ? "sync" : "async";
            while (true) {
                List<List<String>> rows = primary.query("SELECT state, sync_state FROM pg_stat_replication "
                        + "WHERE application_name = ?", applicationName);
                if (!rows.isEmpty() && rows.get(0).get(0).equals("streaming") && rows.get(0).get(1).equals(want)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(applicationName + " did not become a " + want
                            + " streaming standby: " + rows);
                }
                Thread.sleep(50);
            }
        }

        @Override
        public void close() {
            if (standby != null) {
                standby.close();
            }
        }
    }
}
