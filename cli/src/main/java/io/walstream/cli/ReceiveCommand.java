package io.walstream.cli;

import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.pipeline.ArchivePipeline;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.serve.WalServer;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.archiver.compress.SegmentCompression;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.SpoolUploader;
import io.walstream.archiver.store.WalStore;
import io.walstream.store.s3.S3StoreException;
import io.walstream.store.s3.S3WalStore;
import io.walstream.protocol.Lsn;
import io.walstream.walreceiver.ReplicationConnection;
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
    @Option(names = "--archive", paramLabel = "s3://BUCKET/PREFIX", description = "Also archive into object storage:"
            + " -D is then the durable spool (the flush reported to the server is still its fsync); complete"
            + " segments and history files are uploaded as they appear, and again on the next start if not yet.")
    String archive;

    @Option(names = "--upload-concurrency", paramLabel = "N", defaultValue = "4",
            description = "With --archive: parallel uploads (default ${DEFAULT-VALUE}).")
    int uploadConcurrency;

    @Option(names = "--keep-local", paramLabel = "N", description = "With --archive: keep only the N newest segments"
            + " in the spool once uploaded (never the newest one; default: keep every segment).")
    Integer keepLocal;

    @Option(names = "--partial-upload-interval", paramLabel = "SECONDS", description = "With --archive: also upload"
            + " the segment being received as NAME.partial this often (only fsynced WAL), so at most this much WAL"
            + " lives only in the spool (default: complete segments only).")
    Double partialUploadInterval;

    @Option(names = "--spool-max", paramLabel = "BYTES", converter = ByteSizeConverter.class,
            description = "With --archive: when the spool holds more than this not yet uploaded (512MB, 4GB), pause"
                    + " receiving as on a full disk (the connection stays up, the slot keeps the WAL on the server)"
                    + " until uploads catch up (default: no limit).")
    Long spoolMax;

    @Mixin
    S3Options s3;

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

        if (archive == null && (keepLocal != null || uploadConcurrency != 4 || partialUploadInterval != null
                || spoolMax != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--keep-local, --upload-concurrency, --partial-upload-interval and --spool-max need --archive");
        }
        if (spoolMax != null && spoolMax < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--spool-max must be above 0");
        }
        if (partialUploadInterval != null && !(partialUploadInterval > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partial-upload-interval must be above 0");
        }
        if (keepLocal != null && keepLocal < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keep-local must be 0 or more");
        }
        ArchiveLocation remote = archive == null ? null : ArchiveLocation.parse(archive, spec);
        if (remote != null && !remote.isObjectStore()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--archive takes s3://BUCKET/PREFIX");
        }

        // The writer asks the uploader (made below) before each new segment; without --spool-max it never waits.
        java.util.concurrent.atomic.AtomicReference<SpoolUploader> spoolGate = new java.util.concurrent.atomic.AtomicReference<>();
        ArchivePipeline.Settings pipeline = ArchivePipeline.Settings.defaults();
        if (spoolMax != null) {
            long max = spoolMax;
            pipeline = pipeline.withSpoolGate(next -> {
                SpoolUploader up = spoolGate.get();
                return up == null ? java.util.Optional.empty() : up.overSpoolLimit(max, next);
            });
        }
        ArchiveReceiver receiver = new ArchiveReceiver(directory, options, pipeline);
        java.util.concurrent.atomic.AtomicReference<Exception> uploadFailure = new java.util.concurrent.atomic.AtomicReference<>();
        WalStore store = null;
        SpoolUploader uploader = null;
        if (remote != null) {
            store = remote.open(s3.settings());
            uploader = new SpoolUploader(ArchiveDirectory.create(directory), store,
                    new SpoolUploader.Settings(uploadConcurrency, keepLocal == null ? -1 : keepLocal,
                            options.compression().method()),
                    ReceiveCommand::worthRetrying, e -> {
                        uploadFailure.set(e);
                        receiver.stop();
                    });
            if (partialUploadInterval != null && store instanceof S3WalStore objects) {
                uploader.uploadPartials(new SpoolUploader.PartialUpload(
                        Duration.ofMillis((long) (partialUploadInterval * 1000)),
                        () -> receiver.progress().durableLsn(), new SpoolUploader.PartialTarget() {
                            @Override
                            public void replace(String name, Path source) throws java.io.IOException {
                                objects.replacePartial(name, source);
                            }

                            @Override
                            public void remove(String name) throws java.io.IOException {
                                objects.delete(name);
                            }
                        }));
            }
            uploader.trackLag(() -> receiver.progress().durableLsn());
            uploader.uploadUncompressedWhen(receiver::compressionGaveUp);
            spoolGate.set(uploader);
            try {
                uploader.start();
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
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
                    ReplicationConnection.stopSharedIoThread(Duration.ofSeconds(1));
                    Runtime.getRuntime().halt(exitCode.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "walstream-stop");
        Runtime.getRuntime().addShutdownHook(onSignal);
        // System.console() is null unless stdin and stdout are a terminal: the nearest Java 17 gets to asking about stderr.
        boolean terminal = System.console() != null;
        MetricsEndpoint metrics = null;
        WalServer server = null;
        ProgressLine ticker = null;
        try {
            if (served != null) {
                server = WalServer.start(receiver.directory(), served.withFlushedLsn(() -> receiver.metrics().flushedLsn()));
            }
            SpoolUploader up = uploader;
            java.util.function.Supplier<io.walstream.archiver.metrics.ReceiverMetrics> receiverMetrics = up == null
                    ? receiver::metrics : () -> {
                        io.walstream.archiver.metrics.ReceiverMetrics m = receiver.metrics();
                        return m.withStore(up.progress(m.flushedLsn()));
                    };
            if (metricsPort != null) {
                metrics = MetricsEndpoint.start(receiver, receiverMetrics,
                        new java.net.InetSocketAddress(metricsBind, metricsPort));
            }
            if (progress != null ? progress : terminal) {
                ticker = ProgressLine.start(receiverMetrics, spec.commandLine().getErr(), terminal);
            }
            ArchiveReceiver.Outcome outcome = receiver.run();
            ArchiveReceiver.Progress p = receiver.progress();
            java.io.PrintWriter err = spec.commandLine().getErr();
            err.printf("walstream receive: %s; durable up to %s, %d segments completed%n",
                    describe(outcome), Lsn.format(p.durableLsn()), p.segmentsCompleted());
            int code = outcome == ArchiveReceiver.Outcome.SERVER_SHUT_DOWN ? 1 : 0;
            if (uploader != null) {
                // At -E everything received is to be in the store before the exit; on a stop, what the
                // shutdown allows (the rest is uploaded by the next start).
                boolean uploaded = uploadFailure.get() == null && uploader.drain(
                        outcome == ArchiveReceiver.Outcome.END_POSITION_REACHED ? Duration.ofMinutes(10)
                                : Duration.ofSeconds(20));
                err.printf("walstream receive: %d files uploaded to %s%s%n", uploader.uploadedFiles(), remote,
                        uploaded ? "" : "; " + Math.max(0, uploader.pending())
                                + " not yet (the next start uploads them)");
                if (uploadFailure.get() != null) {
                    err.println("walstream receive: error: uploading stopped: " + uploadFailure.get().getMessage());
                    code = 1;
                } else if (!uploaded && outcome == ArchiveReceiver.Outcome.END_POSITION_REACHED) {
                    code = 1;
                }
            }
            err.flush();
            exitCode.set(code);
            return exitCode.get();
        } finally {
            if (uploader != null) {
                uploader.close();
                store.close();
            }
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

    /** A failed upload is tried again unless the store refused it for good (a conflict, or 4xx such as a 403). */
    private static boolean worthRetrying(java.io.IOException e) {
        return !(e instanceof S3StoreException s) || s.retryable();
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
