package io.walstream.cli;

import ch.qos.logback.classic.Level;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.archiver.verify.ArchiveVerifier;
import io.walstream.archiver.verify.VerifyReport;
import io.walstream.pgcluster.Directories;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.PgClusterException;
import io.walstream.pgcluster.StandbyOptions;
import io.walstream.protocol.Lsn;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walstream demo}: the hot-standby story on embedded PostgreSQL servers. A primary with a write load is
 * archived by an in-process receiver; a hot standby whose only WAL source is {@code walstream restore} (this jar, as
 * its {@code restore_command}) replays it; the standby is promoted and walstream follows the new timeline; the
 * archive is verified. Everything it starts is stopped and removed at the end, on failure or on Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Walstream.Version.class,
        sortOptions = false,
        description = {"Run the whole hot-standby story end to end on an embedded PostgreSQL.",
            "A primary under write load, walstream receive archiving it, a hot standby fed only by walstream"
                + " restore, a checksum of both, promotion and the new timeline followed, walstream verify, and a"
                + " summary."},
        footer = {"", "Ctrl-C at any step stops everything and removes what the demo started.",
            "Exit codes: 0 the story checked out, 1 a step failed or a check did not hold, 2 usage."})
final class DemoCommand implements Callable<Integer> {

    private static final String ROLE = "walstream_demo";
    private static final String SLOT = "walstream_demo";
    private static final String MARKER = ".walstream-demo";
    private static final Duration WAIT = Duration.ofSeconds(120);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--pg-version", paramLabel = "N", defaultValue = "17",
            description = "PostgreSQL major version, 13 to 18 (default ${DEFAULT-VALUE}).")
    int pgVersion;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "walstream-demo",
            description = "Demo directory; the archive goes to DIR/archive (default ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--wal-mb", paramLabel = "MB", defaultValue = "24",
            description = "WAL the write load produces before the standby is built (default ${DEFAULT-VALUE}).")
    int walMb;

    @Option(names = "--keep", description = "At the end, leave the servers running and print how to connect;"
            + " Ctrl-C then stops and removes them.")
    boolean keep;

    @Option(names = "--non-interactive", description = "No pauses and no progress display (for CI).")
    boolean nonInteractive;

    @Option(names = "--json", description = "Print the summary as JSON on stdout.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "walstream and pgcluster log lines, and stack traces for errors.")
    boolean verbose;

    private PrintWriter err;
    private int step;
    private final long startNanos = System.nanoTime();
    /** Set by the Ctrl-C hook: the main thread's errors are then the hook's doing, not news. */
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private final CountDownLatch cleanupDone = new CountDownLatch(1);
    private volatile boolean completed;
    private boolean createdDir;
    private volatile PgCluster primary;
    private volatile PgCluster standby;
    private volatile DemoLoad load;
    private volatile DemoReceiver receiver;
    private volatile ProgressLine progress;
    private final LagSampler lag = new LagSampler(250);

    @Override
    public Integer call() throws Exception {
        err = spec.commandLine().getErr();
        // The demo's numbered steps are its output; INFO lines from the receiver would break them up.
        Logging.configure(verbose, Level.WARN);
        if (walMb < 1 || walMb > 1024) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--wal-mb must be 1..1024");
        }
        Path demoDir = dir.toAbsolutePath().normalize();
        Path archive = demoDir.resolve("archive");
        Thread onSignal = new Thread(() -> {
            interrupted.set(true);
            cleanup(!completed, demoDir);
        }, "walstream-demo-stop");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            prepareDirectory(demoDir, archive);
            String restoreCommand = restoreCommand(demoDir, archive);
            DemoSummary summary = run(archive, restoreCommand);
            completed = true;
            summary.print(err);
            if (json) {
                spec.commandLine().getOut().println(Json.write(summary.toJson()));
                spec.commandLine().getOut().flush();
            }
            err.printf("The archive stays in %s: walstream status -D %s; walstream verify -D %s%n", archive, archive,
                    archive);
            err.flush();
            if (keep) {
                keepRunning(archive);
            }
            return summary.success() ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
        } catch (Exception e) {
            if (interrupted.get()) {
                cleanupDone.await();
                return 130; // what a shell reports for SIGINT; the JVM is exiting anyway
            }
            throw e;
        } finally {
            if (!interrupted.get()) {
                cleanup(false, demoDir);
                try {
                    Runtime.getRuntime().removeShutdownHook(onSignal);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs already
                }
            }
        }
    }

    private DemoSummary run(Path archive, String restoreCommand) throws Exception {
        err.printf("walstream demo: the hot-standby story on an embedded PostgreSQL %d (Ctrl-C stops and removes"
                + " everything)%n", pgVersion);

        step("Starting a PostgreSQL %d primary", pgVersion);
        primary = PgCluster.builder().version(pgVersion).name("demo_primary")
                // An archive-fed standby asks for the next WAL file this often; the default 5 s makes the demo drag.
                .setting("wal_retrieve_retry_interval", "1s")
                .start();
        String version = primary.binaries().version();
        detail("PostgreSQL %s on %s:%d, wal_level=replica, data in %s", version, primary.host(), primary.port(),
                primary.dataDir());

        step("Creating a replication role and a physical replication slot");
        String rolePassword = randomPassword();
        primary.createReplicationUser(ROLE, rolePassword);
        primary.createPhysicalSlot(SLOT);
        detail("CREATE ROLE %s WITH LOGIN REPLICATION; SELECT pg_create_physical_replication_slot('%s', true)", ROLE,
                SLOT);

        step("Starting a write load: batches of INSERTs into %s from a background connection", DemoLoad.TABLE);
        load = DemoLoad.start(primary);

        step("walstream receive: streaming the primary's WAL through slot %s into %s", SLOT, archive);
        long receiveStart = System.nanoTime();
        receiver = DemoReceiver.start(archive, receiveOptions(primary, rolePassword, false));
        lag.follow(receiver::metrics);
        showProgress(true);
        awaitCondition("the archive to receive " + walMb + " MB of WAL",
                () -> receiver.metrics().receivedBytes() >= walMb * 1048576L, Duration.ofSeconds(150));
        showProgress(false);
        detail("%s received in %.1f s, %d segment(s) complete, durable up to %s; %d rows written so far",
                DemoSummary.mb(receiver.metrics().receivedBytes()), millisSince(receiveStart) / 1000.0,
                receiver.metrics().segmentsCompleted(), Lsn.format(receiver.metrics().flushedLsn()), load.rows());
        pause("build the hot standby");

        step("Building a hot standby from a base backup; its only WAL source is walstream restore");
        detail("restore_command = '%s'", restoreCommand);
        long backupStart = System.nanoTime();
        standby = primary.createStandby(StandbyOptions.restoreOnly("demo_standby", restoreCommand));
        awaitCondition("the standby to become consistent and accept read-only queries", () -> accepting(standby), WAIT);
        long consistentMillis = millisSince(backupStart);
        detail("consistent and accepting read-only queries on port %d, %.1f s after the base backup began",
                standby.port(), consistentMillis / 1000.0);

        step("Querying the standby (still replaying from the archive while the load runs)");
        long rows = Long.parseLong(standby.queryString("SELECT count(*)::text FROM " + DemoLoad.TABLE));
        detail("SELECT count(*) FROM %s  ->  %d   (pg_is_in_recovery() = %s)", DemoLoad.TABLE, rows,
                standby.isInRecovery());
        SQLException refused = tryWrite(standby);
        String refusedState = refused == null ? null : refused.getSQLState();
        String refusedMessage = refused == null ? null : refused.getMessage();
        detail(refused == null ? "INSERT on the standby was NOT refused"
                : "INSERT INTO " + DemoLoad.TABLE + " ...  ->  " + refusedMessage + " (SQLSTATE " + refusedState + ")");
        pause("stop the load and compare the data");

        step("Stopping the load and comparing a checksum of %s on both servers", DemoLoad.TABLE);
        load.stop();
        long lastWrite = System.nanoTime();
        // Ends the segment, so the archive has the last writes in a complete file, as without --partial too.
        String end = primary.switchWal();
        awaitCondition("the archive to make " + end + " durable",
                () -> receiver.metrics().flushedLsn() >= Lsn.parse(end).value(), WAIT);
        standby.waitForReplay(end, WAIT);
        long catchUpMillis = millisSince(lastWrite);
        String checksumSql = "SELECT md5(string_agg(md5(t::text), '' ORDER BY id)) FROM " + DemoLoad.TABLE + " t";
        String primarySum = primary.queryString(checksumSql);
        String standbySum = standby.queryString(checksumSql);
        detail("%d rows; primary md5 %s", load.rows(), primarySum);
        detail("standby replayed to %s; md5 %s  %s", end, standbySum, primarySum.equals(standbySum) ? "(equal)"
                : "(DIFFERENT)");
        pause("fail over to the standby");

        step("Failover: stopping the primary and promoting the standby");
        receiver.stop();
        long archivedBytes = receiver.metrics().receivedBytes();
        primary.stop();
        standby.promote();
        int newTimeline = Integer.parseInt(standby.queryString("SELECT substr(pg_walfile_name(pg_current_wal_lsn()),"
                + " 1, 8)"), 16);
        detail("pg_promote(): the standby is a primary now (pg_is_in_recovery() = %s), writing timeline %d",
                standby.isInRecovery(), newTimeline);

        step("walstream receive: following the new primary into the same archive");
        receiver = DemoReceiver.start(archive, receiveOptions(standby, rolePassword, true));
        lag.follow(receiver::metrics);
        showProgress(true);
        String history = String.format("%08X.history", newTimeline);
        awaitCondition("walstream to stream timeline " + newTimeline,
                () -> receiver.metrics().timeline() == newTimeline && Files.exists(archive.resolve(history)), WAIT);
        standby.execute("INSERT INTO " + DemoLoad.TABLE + " (customer, amount, note) SELECT 0, 0, 'after failover'"
                + " FROM generate_series(1, 1000)");
        String newEnd = standby.switchWal();
        awaitCondition("the archive to make " + newEnd + " durable",
                () -> receiver.metrics().flushedLsn() >= Lsn.parse(newEnd).value(), WAIT);
        int followed = receiver.metrics().timeline();
        showProgress(false);
        receiver.stop();
        lag.follow(null);
        archivedBytes += receiver.metrics().receivedBytes();
        int newSegments = segmentsOn(archive, newTimeline);
        detail("%s and %d segment file(s) of timeline %d archived; durable up to %s", history, newSegments, followed,
                newEnd);

        step("walstream verify -D %s", archive);
        VerifyReport report = ArchiveVerifier.verify(archive);
        detail("%s: %d segments, %d records checked, %d errors, %d warnings", report.clean() ? "ok" : "DEFECTS FOUND",
                report.segments(), report.recordsVerified(), report.errorCount(), report.warningCount());
        report.findings().forEach(f -> detail("%s", f));

        return new DemoSummary(version, archivedBytes, lag.summary(), consistentMillis, catchUpMillis, rows,
                refusedState, refusedMessage, primarySum, standbySum, newTimeline, followed, newSegments,
                Files.exists(archive.resolve(history)), report, archive, millisSince(startNanos));
    }

    // ---------------------------------------------------------------- steps

    private void step(String format, Object... args) {
        err.printf(Locale.ROOT, "%2d. " + format + "%n", prepend(++step, args));
        err.flush();
    }

    private static Object[] prepend(int n, Object[] args) {
        Object[] all = new Object[args.length + 1];
        all[0] = n;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    private void detail(String format, Object... args) {
        err.printf(Locale.ROOT, "    " + format + "%n", args);
        err.flush();
    }

    /** Waits for Enter between acts, only when someone is at a terminal to press it. */
    private void pause(String next) {
        if (nonInteractive || System.console() == null) {
            return;
        }
        err.printf("    [Enter] to %s, Ctrl-C to stop and remove everything ", next);
        err.flush();
        DemoLoad l = load;
        l.hold(true);
        System.console().readLine();
        l.hold(false);
    }

    /** The receiver's one-line progress while a step waits on it; on a terminal rewritten in place. */
    private void showProgress(boolean on) {
        ProgressLine p = progress;
        if (p != null) {
            p.close();
            progress = null;
        }
        if (on && !nonInteractive) {
            DemoReceiver r = receiver;
            progress = ProgressLine.start(r::metrics, err, System.console() != null);
        }
    }

    private void awaitCondition(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            DemoReceiver r = receiver;
            if (r != null) {
                r.throwIfFailed();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    // ---------------------------------------------------------------- the parts

    private ReceiveOptions receiveOptions(PgCluster server, String rolePassword, boolean createSlot) {
        String conninfo = "host=" + server.host() + " port=" + server.port() + " user=" + ROLE + " password="
                + rolePassword + " sslmode=disable application_name=walstream_demo";
        return ReceiveOptions.of(ConnectionSettings.resolve(conninfo, new HashMap<>()))
                .withSlot(SLOT, createSlot, true)
                .withFsync(FsyncPolicy.interval(Duration.ofMillis(200)))
                .withStatusInterval(Duration.ofSeconds(1))
                .withLoop(true, Duration.ofSeconds(1));
    }

    /** A connection succeeds once the standby is consistent; before that the server says it is starting up. */
    private static boolean accepting(PgCluster server) {
        try {
            server.isInRecovery();
            return true;
        } catch (PgClusterException e) {
            return false;
        }
    }

    /** PostgreSQL's own answer to a write on a hot standby (SQLSTATE 25006), or null if it took the write. */
    private static SQLException tryWrite(PgCluster server) {
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO " + DemoLoad.TABLE + " (customer, amount, note) VALUES (0, 0, 'on the standby')");
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    private static int segmentsOn(Path archive, int timeline) throws IOException {
        String prefix = String.format("%08X", timeline);
        try (Stream<Path> files = Files.list(archive)) {
            return (int) files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && n.length() >= 24 && !n.endsWith(".history")).count();
        }
    }

    /** With --keep: the servers stay up until Ctrl-C, whose hook stops and removes them. */
    private void keepRunning(Path archive) throws InterruptedException {
        err.println();
        err.println("The servers keep running (--keep). Connect with:");
        for (PgCluster c : List.of(primary, standby)) {
            if (c.isRunning()) {
                String psql = c.binaries().has("psql") ? c.binaries().tool("psql").toString() : "psql";
                err.printf("  %s: %s \"host=%s port=%d user=%s password=%s dbname=postgres\"%n",
                        c == standby ? "promoted standby" : "old primary", psql, c.host(), c.port(), c.superuser(),
                        c.password());
            }
        }
        if (!primary.isRunning()) {
            err.println("  old primary: stopped in the failover step (it plays the server that failed)");
        }
        err.printf("  archive: walstream status -D %s%n", archive);
        err.println("Press Ctrl-C to stop and remove them.");
        err.flush();
        new CountDownLatch(1).await(); // until the JVM exits on a signal
    }

    // ---------------------------------------------------------------- files

    private void prepareDirectory(Path demoDir, Path archive) throws IOException {
        if (Files.isDirectory(demoDir)) {
            boolean empty;
            try (Stream<Path> s = Files.list(demoDir)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !Files.exists(demoDir.resolve(MARKER))) {
                throw new CommandLine.ParameterException(spec.commandLine(), demoDir + " exists and is not a walstream"
                        + " demo directory; choose another with --dir");
            }
            // A previous demo's archive belongs to a cluster that is gone: receive would rightly refuse it.
            Directories.deleteRecursively(archive);
        } else {
            Files.createDirectories(demoDir);
            createdDir = true;
        }
        Files.writeString(demoDir.resolve(MARKER), "made by walstream demo; removed with the demo's files\n");
        Files.createDirectories(archive);
        // The servers run as another account when we are root: it must reach the archive and the jar.
        readableByAll(demoDir);
        readableByAll(archive);
        if (ServerReach.runningAsRoot()) {
            ServerReach.requireTraversable(demoDir, "the demo directory (use --dir under /tmp, for example)");
            ServerReach.requireTraversable(Path.of(System.getProperty("java.home")), "the JDK");
        }
    }

    /**
     * The standby's {@code restore_command}: this JVM's java running a copy of this jar (so a rebuild during the
     * demo does not change it under the standby), with --partial so it replays WAL before its segment completes.
     */
    private String restoreCommand(Path demoDir, Path archive) throws IOException {
        Path jar = demoDir.resolve("walstream.jar");
        Files.copy(ownJar(), jar, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // A short-lived JVM per WAL file: the client compiler and serial GC start it fastest.
        return shellQuote(java.toString()) + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "
                + shellQuote(jar.toString()) + " restore %f %p -D " + shellQuote(archive.toString()) + " --partial";
    }

    /** The runnable (shaded) walstream jar this class came from, or the one the build put beside its classes. */
    static Path ownJar() {
        Path source;
        try {
            source = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell where the walstream jar is: " + e);
        }
        if (Files.isRegularFile(source) && isRunnable(source)) {
            return source;
        }
        // target/classes or target/walstream-cli-VERSION.jar (tests, IDEs): the shaded jar is target/walstream.jar.
        Path beside = source.getParent().resolve("walstream.jar");
        if (Files.isRegularFile(beside) && isRunnable(beside)) {
            return beside;
        }
        throw new IllegalStateException("walstream demo needs the packaged walstream.jar for the standby's"
                + " restore_command; run it as ./walstream demo (which builds the jar)");
    }

    /** The shaded jar names walstream's main class; the module's own jar holds the same classes but names none. */
    static boolean isRunnable(Path jar) {
        try (java.util.jar.JarFile z = new java.util.jar.JarFile(jar.toFile())) {
            java.util.jar.Manifest manifest = z.getManifest();
            return manifest != null && Walstream.class.getName().equals(
                    manifest.getMainAttributes().getValue(java.util.jar.Attributes.Name.MAIN_CLASS));
        } catch (IOException e) {
            return false;
        }
    }

    static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:=+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private static void readableByAll(Path p) throws IOException {
        java.util.Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        perms.addAll(List.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
        Files.setPosixFilePermissions(p, perms);
    }

    // ---------------------------------------------------------------- cleanup

    /**
     * Stops the load and the receiver, stops and removes the servers (unless the demo completed with --keep and the
     * JVM is not exiting), and with {@code removeFiles} the demo's files too. Runs once.
     */
    private void cleanup(boolean removeFiles, Path demoDir) {
        if (!cleanedUp.compareAndSet(false, true)) {
            try {
                cleanupDone.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            if (interrupted.get()) {
                err.printf("%nwalstream demo: stopping and removing what it started ...%n");
                err.flush();
            }
            showProgressOff();
            lag.close();
            DemoLoad l = load;
            if (l != null) {
                l.close();
            }
            DemoReceiver r = receiver;
            if (r != null) {
                r.stop();
            }
            for (PgCluster c : new PgCluster[] {standby, primary}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (RuntimeException e) {
                        err.printf("walstream demo: could not remove %s: %s%n", c.name(), e.getMessage());
                    }
                }
            }
            if (removeFiles) {
                try {
                    Directories.deleteRecursively(demoDir.resolve("archive"));
                    Files.deleteIfExists(demoDir.resolve("walstream.jar"));
                    Files.deleteIfExists(demoDir.resolve(MARKER));
                    if (createdDir) {
                        Files.deleteIfExists(demoDir);
                    }
                } catch (IOException | UncheckedIOException e) {
                    err.printf("walstream demo: could not remove %s: %s%n", demoDir, e.getMessage());
                }
            }
            if (interrupted.get()) {
                err.println("walstream demo: stopped; servers removed" + (removeFiles ? ", demo files removed" : ""));
            }
            err.flush();
        } finally {
            cleanupDone.countDown();
        }
    }

    private void showProgressOff() {
        ProgressLine p = progress;
        if (p != null) {
            p.close();
            progress = null;
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(20);
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
