package io.walstream.cli;

import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.metrics.MetricsServer;
import io.walstream.serve.WalServer;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.archiver.compress.SegmentCompression;
import io.walstream.protocol.Lsn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code walstream receive}: pg_receivewal's job, with its flags meaning the same. */
// No mixinStandardHelpOptions: its -h would collide with the host option (HelpOptions instead).
@Command(name = "receive", versionProvider = Walstream.Version.class, sortOptions = false,
        description = {
            "Stream WAL from a PostgreSQL server into an archive directory, as a standby would.",
            "Resumes where the directory ends; segments are written as NAME.partial and renamed when complete.",
            "The flush position reported to the server never passes what is fsynced."
        },
        footer = {"", "Stops cleanly (flushing what it has) on Ctrl-C or SIGTERM, exit 0.",
            "Exit codes: 0 done, 1 failure, 2 usage."})
final class ReceiveCommand implements Callable<Integer> {

    private static final java.util.Set<ArchiveReceiver> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    HelpOptions helpOptions;

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR",
            description = "Archive directory (created if missing).")
    Path directory;

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-S", "--slot"}, paramLabel = "NAME", description = "Replication slot to stream from.")
    String slot;

    @Option(names = "--create-slot", description = "Create the slot (with RESERVE_WAL) before streaming.")
    boolean createSlot;

    @Option(names = "--if-not-exists", description = "With --create-slot: an existing slot is not an error.")
    boolean ifNotExists;

    @Option(names = "--synchronous", description = "fsync after every batch and report the flush at once "
            + "(for synchronous_standby_names).")
    boolean synchronous;

    @Option(names = "--fsync-interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "Longest time written WAL stays un-fsynced (default ${DEFAULT-VALUE}).")
    double fsyncInterval;

    @Option(names = "--no-sync", description = "Never fsync (tests only: a crash can lose WAL reported as flushed).")
    boolean noSync;

    @Option(names = "--compress", paramLabel = "METHOD", defaultValue = "none",
            description = "Compress completed segments: none, gzip[:N], lz4, zstd[:N] (default ${DEFAULT-VALUE}).")
    String compress;

    @Option(names = {"-s", "--status-interval"}, paramLabel = "SECONDS", defaultValue = "10",
            description = "Send the server status updates at least this often (default ${DEFAULT-VALUE}).")
    double statusInterval;

    @Option(names = {"-E", "--endpos"}, paramLabel = "LSN", description = "Stop once WAL up to LSN is durable (exit 0).")
    String endpos;

    @Option(names = {"-n", "--no-loop"}, description = "Do not reconnect after a lost connection; exit instead.")
    boolean noLoop;

    @Option(names = "--receipt-log", description = "Also record when each message arrived (receipts/ in the"
            + " archive: 32 bytes per message), the input of `walstream simulate --archive`.")
    boolean receiptLog;

    @Option(names = "--no-verify", description = "Do not check page headers and record CRCs as WAL arrives.")
    boolean noVerify;

    @Option(names = {"-P", "--progress"}, negatable = true, description = "Show positions, throughput and lag"
            + " on stderr every second (default: on when run from a terminal).")
    Boolean progress;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus metrics over HTTP"
            + " on PORT at /metrics (0: any free port, logged).")
    Integer metricsPort;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint listens on (default ${DEFAULT-VALUE}: this host only; "
                    + "0.0.0.0 for every interface; there is no authentication).")
    String metricsBind;

    @Option(names = "--serve", paramLabel = "HOST:PORT", description = "Also serve the archive over HTTP here, as "
            + "walstream serve does (GET /wal/NAME; .partial up to what is flushed). Its TLS, token and prefetch "
            + "options apply.")
    String serve;

    @CommandLine.Mixin
    ServeServerOptions serveOptions;

    @Option(names = {"-v", "--verbose"}, description = "More log output, and stack traces for errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        Logging.configure(verbose);
        if (synchronous && noSync) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--synchronous and --no-sync exclude each other");
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--metrics-port must be 0..65535");
        }
        if (createSlot && slot == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--create-slot needs --slot");
        }
        FsyncPolicy fsync = noSync ? FsyncPolicy.none()
                : synchronous ? FsyncPolicy.synchronous()
                : FsyncPolicy.interval(Duration.ofMillis((long) (fsyncInterval * 1000)));
        io.walstream.serve.ServeOptions served = null;
        ReceiveOptions options;
        try {
            if (serve != null) {
                served = serveOptions.toOptions(ServeServerOptions.address(serve));
            }
            options = ReceiveOptions.of(connection.resolve())
                    .withSlot(slot, createSlot, ifNotExists)
                    .withFsync(fsync)
                    .withStatusInterval(Duration.ofMillis((long) (statusInterval * 1000)))
                    .withEndLsn(endpos == null ? null : Lsn.parse(endpos))
                    .withLoop(!noLoop, Duration.ofSeconds(5))
                    .withCompression(SegmentCompression.parse(compress))
                    .withVerifyRecords(!noVerify).withReceiptLog(receiptLog);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }

        ArchiveReceiver receiver = new ArchiveReceiver(directory, options);
        RUNNING.add(receiver);
        CountDownLatch finished = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger exitCode = new java.util.concurrent.atomic.AtomicInteger(-1);
        Thread onSignal = new Thread(() -> {
            receiver.stop();
            try {
                // let run() flush before the JVM goes; after a failure, let its one-line error print instead
                if (finished.await(30, TimeUnit.SECONDS) && exitCode.get() >= 0) {
                    // A JVM ended by a signal exits 128+signal (143) whatever main returns; a clean
                    // stop is exit 0, as pg_receivewal's (so systemd and scripts see success).
                    System.err.flush();
                    Runtime.getRuntime().halt(exitCode.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "walstream-stop");
        Runtime.getRuntime().addShutdownHook(onSignal);
        // System.console() is null unless stdin and stdout are a terminal: the nearest Java 17 gets to asking about stderr.
        boolean terminal = System.console() != null;
        MetricsServer metrics = null;
        WalServer server = null;
        ProgressLine ticker = null;
        try {
            if (served != null) {
                server = WalServer.start(receiver.directory(), served.withFlushedLsn(() -> receiver.metrics().flushedLsn()));
            }
            if (metricsPort != null) {
                metrics = MetricsServer.start(new java.net.InetSocketAddress(metricsBind, metricsPort), receiver::metrics);
            }
            if (progress != null ? progress : terminal) {
                ticker = ProgressLine.start(receiver::metrics, spec.commandLine().getErr(), terminal);
            }
            ArchiveReceiver.Outcome outcome = receiver.run();
            ArchiveReceiver.Progress p = receiver.progress();
            spec.commandLine().getErr().printf("walstream receive: %s; durable up to %s, %d segments completed%n",
                    describe(outcome), Lsn.format(p.durableLsn()), p.segmentsCompleted());
            spec.commandLine().getErr().flush();
            exitCode.set(outcome == ArchiveReceiver.Outcome.SERVER_SHUT_DOWN ? 1 : 0);
            return exitCode.get();
        } finally {
            RUNNING.remove(receiver);
            if (ticker != null) {
                ticker.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            if (server != null) {
                server.close();
            }
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it is waiting for us
            }
        }
    }

    /** Stops every receive running in this JVM, as Ctrl-C does; they return after flushing. */
    static void stopAll() {
        RUNNING.forEach(ArchiveReceiver::stop);
    }

    private static String describe(ArchiveReceiver.Outcome outcome) {
        return switch (outcome) {
            case STOPPED -> "stopped";
            case END_POSITION_REACHED -> "end position reached";
            case SERVER_SHUT_DOWN -> "server ended the connection (--no-loop)";
        };
    }
}
