package io.walstream.benchmarks;

import io.walstream.archiver.compress.SegmentCompression;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.Directories;
import io.walstream.pgcluster.FreePort;
import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.replaysim.SvgBarChart;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code restore_command} as PostgreSQL runs it, once per segment and one after another: the same archived
 * segments restored by each command in turn, each call a new {@code sh -c} process timed from start to exit, as
 * a recovery waits for it. The segments are real WAL (an embedded primary's inserts), archived by walstream
 * receive twice, plain and with zstd; each command reads one of the two. Rounds alternate the commands so that
 * drift on a shared machine hits them alike; the first round is a warm-up (page cache; a launcher's class
 * archive) and is not counted. Prints ms per segment and the ratio of the medians to {@code cp}'s.
 *
 * <p>A column is a {@link Command}: a name and a template in which {@code %f} and {@code %p} are PostgreSQL's
 * and {@code %d} is the archive directory, so another way back is one more entry in the list. A command may bring
 * a server that runs for the whole benchmark against its archive (e.g. {@code walstream serve}, with {@code curl}
 * as the restore_command): it is started before the first round on a free loopback port, {@code %P} in both
 * templates, and stopped after the last, so only the per-segment calls are timed.
 */
public final class RestoreBenchmark {

    private RestoreBenchmark() {
    }

    /** Which archive a command reads. */
    public enum Archive {
        PLAIN, ZSTD;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A {@code restore_command} to time: {@code %f}, {@code %p} as PostgreSQL's, {@code %d} the archive directory,
     * {@code %P} the port of its {@code server}: a command line run in the background for the whole benchmark
     * (null for none), with {@code %d} and {@code %P}, that listens on 127.0.0.1:%P.
     */
    public record Command(String name, Archive archive, String template, String server) {
        public Command(String name, Archive archive, String template) {
            this(name, archive, template, null);
        }

        String expand(String walFile, Path target, Path archiveDir, int port) {
            return template.replace("%f", walFile).replace("%p", shellQuote(target.toString()))
                    .replace("%d", shellQuote(archiveDir.toString())).replace("%P", Integer.toString(port));
        }

        String label() {
            return name + " (" + archive.label() + ")";
        }
    }

    /** Segments of WAL to archive and restore, rounds (the first a warm-up), server major, work dir, commands. */
    public record Options(int segments, int rounds, int pgMajor, Path workDir, List<Command> commands) {
        public Options {
            if (segments < 1 || rounds < 2) {
                throw new IllegalArgumentException("need at least 1 segment and 2 rounds (the first is a warm-up)");
            }
            commands = List.copyOf(commands);
        }
    }

    /** One command's milliseconds per segment, every segment of every counted round. */
    public record Result(Command command, List<Double> msPerSegment) {
        public double median() {
            return Benchmarks.median(msPerSegment);
        }

        public double min() {
            return Benchmarks.min(msPerSegment);
        }

        public double max() {
            return Benchmarks.max(msPerSegment);
        }
    }

    /**
     * The baselines: {@code cp} from the plain archive, {@code zstd -d} from the zstd one and {@code curl file://}
     * (curl copying the plain file itself: the floor of any restore_command that starts curl) when installed.
     */
    public static List<Command> baselines() {
        List<Command> commands = new ArrayList<>(List.of(new Command("cp", Archive.PLAIN, "cp %d/%f %p")));
        if (onPath("zstd")) {
            commands.add(new Command("zstd -d", Archive.ZSTD, "zstd -dqf -o %p %d/%f.zst"));
        }
        if (onPath("curl")) {
            commands.add(new Command("curl file://", Archive.PLAIN, "curl -fsS -o %p file://%d/%f"));
        }
        return commands;
    }

    /** Archives the WAL, runs the rounds, prints each round and the summary on {@code out}; returns the results. */
    public static List<Result> run(Options o, PrintWriter out) throws Exception {
        Path work = Files.createTempDirectory(o.workDir(), "restore-bench-");
        try (PgCluster pg = PgCluster.builder().version(o.pgMajor()).name("bench_restore")
                .setting("wal_keep_size", (o.segments() * 32 + 64) + "MB")
                .setting("max_wal_size", (o.segments() * 32 + 64) + "MB")
                .setting("synchronous_commit", "off").start()) {
            Map<Archive, Path> archives = new LinkedHashMap<>();
            archives.put(Archive.PLAIN, work.resolve("plain"));
            archives.put(Archive.ZSTD, work.resolve("zstd"));
            List<String> segments = archive(pg, o.segments(), archives);
            out.printf(Locale.ROOT, "PostgreSQL %s, %d segments of WAL archived plain and zstd, %d rounds"
                    + " (the first is a warm-up), a new process per segment%n", pg.binaries().version(),
                    segments.size(), o.rounds());

            Path pgWal = Files.createDirectories(work.resolve("pg_wal"));
            Path target = pgWal.resolve("RECOVERYXLOG");
            Map<Command, List<Double>> times = new LinkedHashMap<>();
            Map<Command, Server> servers = new LinkedHashMap<>();
            try {
                for (Command c : o.commands()) {
                    if (c.server() != null) {
                        servers.put(c, Server.start(c, archives.get(c.archive()), work));
                    }
                }
                rounds(o, segments, archives, target, pg.walSegmentSize(), servers, times, out);
            } finally {
                for (Server server : servers.values()) {
                    server.stop();
                }
            }
            List<Result> results = times.entrySet().stream().map(e -> new Result(e.getKey(), e.getValue())).toList();
            summary(results, pg.walSegmentSize(), out);
            out.flush();
            return results;
        } finally {
            Directories.deleteRecursively(work);
        }
    }

    /** Every command on every segment, round after round; counted rounds' times into {@code times}. */
    private static void rounds(Options o, List<String> segments, Map<Archive, Path> archives, Path target,
            int segmentSize, Map<Command, Server> servers, Map<Command, List<Double>> times, PrintWriter out)
            throws Exception {
        for (int round = 0; round < o.rounds(); round++) {
            for (Command c : o.commands()) {
                Server server = servers.get(c);
                List<Double> ms = new ArrayList<>();
                for (String segment : segments) {
                    Files.deleteIfExists(target);
                    ms.add(restore(c, segment, target, archives.get(c.archive()), server == null ? 0 : server.port()));
                    if (Files.size(target) != segmentSize) {
                        throw new IllegalStateException(c.label() + " restored " + Files.size(target) + " bytes of "
                                + segment);
                    }
                }
                out.printf(Locale.ROOT, "round %d  %-36s median %8.1f ms per segment%s%n", round, c.label(),
                        Benchmarks.median(ms), round == 0 ? "  warm-up" : "");
                out.flush();
                if (round > 0) {
                    times.computeIfAbsent(c, k -> new ArrayList<>()).addAll(ms);
                }
            }
        }
    }

    /** A command's server, running in the background on 127.0.0.1:port; its output in a file of the work dir. */
    private record Server(Command command, Process process, int port, Path log) {

        private static final Duration READY = Duration.ofSeconds(60);

        /** Starts {@code command.server()} against {@code archive} and waits until its port accepts connections. */
        static Server start(Command command, Path archive, Path work) throws Exception {
            int port = FreePort.loopback();
            String line = command.server().replace("%d", shellQuote(archive.toString()))
                    .replace("%P", Integer.toString(port));
            Path log = Files.createTempFile(work, "server-", ".log");
            // exec: the server is the process itself, so that stopping it is a SIGTERM to it.
            Process p = new ProcessBuilder("sh", "-c", "exec " + line).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            Server server = new Server(command, p, port, log);
            long deadline = System.nanoTime() + READY.toNanos();
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(command.label() + ": its server exited " + p.exitValue() + ": "
                            + line + "\n" + Files.readString(log));
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                    return server;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline) {
                        server.stop();
                        throw new IllegalStateException(command.label() + ": its server did not listen on port "
                                + port + " within " + READY.toSeconds() + " s: " + line + "\n" + Files.readString(log));
                    }
                    Thread.sleep(100);
                }
            }
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }

    }

    /** The medians (min to max) as an SVG bar chart. */
    public static void writeSvg(List<Result> results, String title, Path file) throws IOException {
        SvgBarChart.write(file, title, "ms per segment, new process each (lower is better)", results.stream()
                .map(r -> new SvgBarChart.Bar(r.command().label(), r.median(), r.min(), r.max())).toList());
    }

    private static void summary(List<Result> results, int segmentSize, PrintWriter out) {
        Double cp = results.stream().filter(r -> r.command().name().equals("cp")).map(Result::median)
                .findFirst().orElse(null);
        out.println();
        out.printf(Locale.ROOT, "%-36s %8s %8s %8s %8s %7s%n", "restore_command", "min ms", "median", "max",
                "MB/s", "/ cp");
        for (Result r : results) {
            out.printf(Locale.ROOT, "%-36s %8.1f %8.1f %8.1f %8.0f %7s%n", r.command().label(), r.min(), r.median(),
                    r.max(), segmentSize / 1048576.0 / (r.median() / 1000),
                    cp == null ? "-" : String.format(Locale.ROOT, "%.2f", r.median() / cp));
        }
        out.println("(ms per segment: each call a new process, started through sh -c as PostgreSQL starts it;"
                + " / cp: ratio of the medians)");
    }

    /** Runs {@code command} for one segment; returns the milliseconds to its exit. */
    private static double restore(Command command, String segment, Path target, Path archive, int port)
            throws Exception {
        String line = command.expand(segment, target, archive, port);
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(command.label() + " did not finish in 5 minutes: " + line);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (p.exitValue() != 0) {
            throw new IllegalStateException(command.label() + " exited " + p.exitValue() + ": " + line + ": "
                    + new String(output, java.nio.charset.StandardCharsets.UTF_8).strip());
        }
        return ms;
    }

    /**
     * Writes {@code segments} segments of inserts on {@code pg}, then walstream receive archives them into each of
     * {@code archives} (plain, zstd); returns the segments' names.
     */
    private static List<String> archive(PgCluster pg, int segments, Map<Archive, Path> archives) throws Exception {
        WalSegmentSize size = WalSegmentSize.ofBytes(pg.walSegmentSize());
        pg.createPhysicalSlot("hold");
        pg.switchWal();
        Lsn start = Lsn.parse(pg.currentWalLsn()).segmentStart(size);
        pg.execute("CREATE TABLE t (id bigint, payload text)");
        long rowsPerSegment = 16 * 1100L; // about 1100 rows a MB of WAL (CatchUpBenchmark's rows)
        Lsn end = start;
        for (int i = 0; end.value() - start.value() < (long) segments * size.bytes(); i++) {
            pg.execute("INSERT INTO t SELECT g, md5(g::text) || repeat(md5((g * 7)::text), 25) FROM generate_series("
                    + (i * rowsPerSegment) + ", " + ((i + 1) * rowsPerSegment - 1) + ") g");
            end = Lsn.parse(pg.currentWalLsn());
        }
        end = Lsn.parse(pg.switchWal());
        for (Map.Entry<Archive, Path> a : archives.entrySet()) {
            Files.createDirectories(a.getValue());
            CatchUpBenchmark.seed(a.getValue(), start, size);
            ReceiveOptions options = ReceiveOptions.of(ConnectionSettings.fromConninfo(pg.replicationConninfo(
                    "bench_restore"))).withEndLsn(end).withLoop(false, Duration.ofSeconds(1))
                    .withCompression(SegmentCompression.parse(a.getKey() == Archive.PLAIN ? "none" : "zstd"));
            try (ArchiveReceiver receiver = new ArchiveReceiver(a.getValue(), options)) {
                if (receiver.run() != ArchiveReceiver.Outcome.END_POSITION_REACHED) {
                    throw new IllegalStateException("walstream receive did not reach " + end);
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (long n = start.segmentNumber(size); n < end.segmentNumber(size); n++) {
            names.add(WalFileName.of(1, n, size).toString());
        }
        return names;
    }

    private static boolean onPath(String tool) {
        return findOnPath(tool) != null;
    }

    /** {@code tool} as found on {@code PATH}, or null. */
    public static Path findOnPath(String tool) {
        String path = System.getenv("PATH");
        return path == null ? null : java.util.Arrays.stream(path.split(":")).map(d -> Path.of(d, tool))
                .filter(Files::isExecutable).findFirst().orElse(null);
    }

    /** {@code s} as one word for sh. */
    public static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
