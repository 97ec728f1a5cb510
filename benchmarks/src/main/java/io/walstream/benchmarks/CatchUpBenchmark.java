package io.walstream.benchmarks;

import io.walstream.archiver.compress.SegmentCompression;
import io.walstream.archiver.pipeline.ArchivePipeline;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.verify.ReceivedWalVerifier;
import io.walstream.pgcluster.Directories;
import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.replaysim.SvgBarChart;
import io.walstream.walreceiver.ReplicationConnection;
import io.walstream.walreceiver.WalSink;
import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.jdbc.PgJdbcWalSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * End to end, same machine, same run: how fast each receiver drains a backlog of WAL into a fresh
 * directory with durability on — walstream with and without compression, pg_receivewal (when
 * installed) likewise, and two ceilings: a null sink (what the server and protocol can deliver)
 * and an fsync'd sequential write of as many bytes in segment-sized files (what the disk can take).
 * A slot nobody streams from holds the WAL; each run gets a fresh directory seeded with a
 * placeholder for the segment before the start, so both tools begin at the same segment and stop
 * at the same {@code -E}. Rounds alternate the tools so drift on a shared machine hits them alike;
 * the first round is a warm-up (JIT, page cache) and is not counted. Throughput is until the WAL is
 * durable (what the server sees as flushed); walstream compresses completed segments afterwards on
 * its own thread, pg_receivewal inline. Prints MB/s per run and the medians' ratios.
 *
 * <p>{@code walstream bench catchup}, or
 * {@code java -cp ... io.walstream.benchmarks.CatchUpBenchmark [MB of WAL] [rounds] [dir]}.
 */
public final class CatchUpBenchmark {

    private CatchUpBenchmark() {
    }

    /**
     * What to run: MB of backlog, rounds (the first is a warm-up), server major, where directories go, which
     * receivers (names as printed, e.g. {@code "walstream none"}; empty: all of them), and the command that starts
     * walstream as a new process ({@code java -jar walstream.jar}, or the launcher) for the {@value #PROCESS} run,
     * empty for none.
     */
    public record Options(int megabytes, int rounds, int pgMajor, Path workDir, List<String> receivers,
            List<String> walstreamCommand) {
        public Options(int megabytes, int rounds, int pgMajor, Path workDir, List<String> receivers) {
            this(megabytes, rounds, pgMajor, workDir, receivers, List.of());
        }

        public Options {
            if (megabytes < 1 || rounds < 2) {
                throw new IllegalArgumentException("need at least 1 MB and 2 rounds (the first is a warm-up)");
            }
            receivers = List.copyOf(receivers);
            walstreamCommand = List.copyOf(walstreamCommand);
            List<String> known = runs(Path.of("pg_receivewal"), List.of("java"));
            for (String r : receivers) {
                if (!known.contains(r)) {
                    throw new IllegalArgumentException("unknown receiver '" + r + "'; one of " + known);
                }
            }
        }
    }

    /**
     * One receiver's throughput in each counted round, MB/s until the WAL was durable, and the peak memory
     * of each run in MB: resident set (of this JVM for walstream and the null sink, which run in it) and,
     * for those, heap; NaN where not measured.
     */
    public record Result(String receiver, List<Double> mbps, List<Double> peakRssMb, List<Double> peakHeapMb) {
        public double median() {
            return Benchmarks.median(mbps);
        }

        public double min() {
            return Benchmarks.min(mbps);
        }

        public double max() {
            return Benchmarks.max(mbps);
        }
    }

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Path work = Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir"));
        run(new Options(megabytes, rounds, 15, work, List.of()), new PrintWriter(System.out, true));
    }

    /** Runs the rounds, printing each run and then the summary on {@code out}; returns the results. */
    public static List<Result> run(Options o, PrintWriter out) throws Exception {
        Path pgReceivewal = Benchmarks.localTool(o.pgMajor(), "pg_receivewal", out);
        try (PgCluster pg = PgCluster.builder().version(o.pgMajor()).name("bench_catchup")
                .setting("wal_keep_size", (o.megabytes() * 2 + 64) + "MB")
                .setting("max_wal_size", (o.megabytes() * 2 + 64) + "MB")
                .setting("synchronous_commit", "off").start()) {
            WalSegmentSize size = WalSegmentSize.ofBytes(pg.walSegmentSize());
            pg.createPhysicalSlot("hold");
            pg.switchWal(); // start past segment 1: pg_receivewal ignores a segment 0 in the directory
            Lsn start = Lsn.parse(pg.currentWalLsn()).segmentStart(size);
            pg.execute("CREATE TABLE t (id bigint, payload text)");
            long rowsPerMb = 1100;
            for (int done = 0; done < o.megabytes(); done += 16) {
                int mb = Math.min(16, o.megabytes() - done);
                pg.execute("INSERT INTO t SELECT g, md5(g::text) || repeat(md5((g * 7)::text), 25) "
                        + "FROM generate_series(1, " + (mb * rowsPerMb) + ") g");
            }
            Lsn end = Lsn.parse(pg.switchWal());
            long bytes = end.value() - start.value();
            out.printf(Locale.ROOT, "PostgreSQL %s, %d MB of WAL from %s to %s, %d rounds (the first is a warm-up)%n",
                    pg.binaries().version(), bytes >> 20, start, end, o.rounds());

            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int round = 0; round < o.rounds(); round++) {
                for (String run : runs(pgReceivewal, o.walstreamCommand())) {
                    if (!o.receivers().isEmpty() && !o.receivers().contains(run)) {
                        continue;
                    }
                    Path dir = Files.createTempDirectory(o.workDir(), "catchup-");
                    seed(dir, start, size);
                    Memory.resetPeaks();
                    long t0 = System.nanoTime();
                    long durable;
                    double rss = Double.NaN;
                    double heap = Double.NaN;
                    FirstByte firstByte = null;
                    if (run.equals(PROCESS)) {
                        firstByte = new FirstByte(dir, t0);
                        rss = walstreamProcess(o.walstreamCommand(), pg, dir, end) / 1048576.0;
                        durable = System.nanoTime();
                    } else if (run.startsWith("walstream")) {
                        durable = walstream(pg, dir, end, run.substring(run.indexOf(' ') + 1));
                        rss = Memory.peakRssBytes(ProcessHandle.current().pid()) / 1048576.0;
                        heap = Memory.peakHeapBytes() / 1048576.0;
                    } else if (run.startsWith("pg_receivewal")) {
                        // pg_receivewal compresses inline: its WAL is durable when it is compressed
                        firstByte = new FirstByte(dir, t0);
                        rss = pgReceivewal(pgReceivewal, pg, dir, end, run.substring(run.indexOf(' ') + 1), out)
                                / 1048576.0;
                        durable = System.nanoTime();
                    } else if (run.equals(PGJDBC)) {
                        durable = pgjdbc(pg, dir, start, end, size);
                        rss = Memory.peakRssBytes(ProcessHandle.current().pid()) / 1048576.0;
                        heap = Memory.peakHeapBytes() / 1048576.0;
                    } else if (run.equals(NULL_SINK)) {
                        nullSink(pg, start, end);
                        durable = System.nanoTime();
                        rss = Memory.peakRssBytes(ProcessHandle.current().pid()) / 1048576.0;
                        heap = Memory.peakHeapBytes() / 1048576.0;
                    } else {
                        diskCeiling(dir, bytes, size);
                        durable = System.nanoTime();
                    }
                    long finished = System.nanoTime();
                    double seconds = (durable - t0) / 1e9;
                    double mbps = bytes / 1048576.0 / seconds;
                    String started = firstByte == null ? "" : String.format(Locale.ROOT, ", first WAL file after %.2f s",
                            firstByte.stop());
                    out.printf(Locale.ROOT, "round %d  %-20s %7.1f MB/s  (%.2f s durable, %.2f s all compressed%s)"
                            + "  peak RSS %s MB, heap %s MB%s%n", round, run, mbps, seconds, (finished - t0) / 1e9,
                            started, megabytes(rss), megabytes(heap), round == 0 ? "  warm-up" : "");
                    if (round > 0) {
                        results.computeIfAbsent(run, k -> new ArrayList<>()).add(new double[] {mbps, rss, heap});
                    }
                    Directories.deleteRecursively(dir);
                }
            }
            List<Result> list = results.entrySet().stream().map(e -> new Result(e.getKey(),
                    e.getValue().stream().map(v -> v[0]).toList(), e.getValue().stream().map(v -> v[1]).toList(),
                    e.getValue().stream().map(v -> v[2]).toList())).toList();
            summary(list, out);
            out.flush();
            return list;
        }
    }

    /** The medians (min to max) as an SVG bar chart. */
    public static void writeSvg(List<Result> results, String title, Path file) throws IOException {
        SvgBarChart.write(file, title, "MB/s until durable", results.stream()
                .map(r -> new SvgBarChart.Bar(r.receiver(), r.median(), r.min(), r.max())).toList());
    }

    /** walstream receive started as a new process per run, as pg_receivewal is: JVM start and a cold JIT included. */
    static final String PROCESS = "walstream process";
    static final String PGJDBC = "pgjdbc source";
    static final String NULL_SINK = "null sink";
    static final String DISK_CEILING = "disk ceiling";

    private static void summary(List<Result> results, PrintWriter out) {
        Map<String, Double> median = new LinkedHashMap<>();
        results.forEach(r -> median.put(r.receiver(), r.median()));
        Double pg = median.get("pg_receivewal none");
        Double disk = median.get(DISK_CEILING);
        out.println();
        out.printf(Locale.ROOT, "%-20s %9s %9s %9s %14s %13s %13s %14s%n", "receiver", "min MB/s", "median", "max",
                "/ pg_receivewal", "/ disk ceiling", "peak RSS MB", "peak heap MB");
        for (Result r : results) {
            out.printf(Locale.ROOT, "%-20s %9.1f %9.1f %9.1f %14s %13s %13s %14s%n", r.receiver(), r.min(), r.median(),
                    r.max(), pg == null ? "-" : String.format(Locale.ROOT, "%.2f", r.median() / pg),
                    disk == null ? "-" : String.format(Locale.ROOT, "%.2f", r.median() / disk),
                    megabytes(Benchmarks.max(r.peakRssMb())), megabytes(Benchmarks.max(r.peakHeapMb())));
        }
        out.println("(walstream and the null sink run inside this JVM: their RSS is the whole JVM's; "
                + "heap is the sum of the heap pools' peaks)");
        Map<String, List<Double>> perRound = new LinkedHashMap<>();
        results.forEach(r -> perRound.put(r.receiver(), r.mbps()));
        Benchmarks.perRoundRatios(out, "pg_receivewal none", perRound, name -> name.startsWith("walstream"));
    }

    private static String megabytes(double mb) {
        return Double.isNaN(mb) || mb < 0 ? "-" : String.format(Locale.ROOT, "%.0f", mb);
    }

    /** What the server and the protocol deliver: stream to a sink that drops every byte. */
    private static void nullSink(PgCluster pg, Lsn start, Lsn end) {
        try (ReplicationConnection c = ReplicationConnection.open(
                ConnectionSettings.fromConninfo(pg.replicationConninfo("bench_null_sink")))) {
            java.util.concurrent.atomic.AtomicReference<io.walstream.walreceiver.ReplicationStream> stream =
                    new java.util.concurrent.atomic.AtomicReference<>();
            WalSink sink = new WalSink() {
                private volatile long received;

                @Override
                public boolean onWal(XLogData data) {
                    received = data.dataEnd();
                    data.release();
                    if (received >= end.value() && stream.get() != null) {
                        stream.get().stop();
                    }
                    return true;
                }

                @Override
                public long writtenLsn() {
                    return received;
                }

                @Override
                public long flushedLsn() {
                    return received;
                }
            };
            stream.set(c.startReplication(null, start, 1, sink));
            if (sink.flushedLsn() >= end.value()) {
                stream.get().stop();
            }
            stream.get().await();
        }
    }

    /**
     * The same archive pipeline (verification on, default fsync policy) fed by pgjdbc's replication API
     * instead of walstream's Netty client: what the transport costs. Returns when (nanoTime) the WAL was durable.
     */
    private static long pgjdbc(PgCluster pg, Path dir, Lsn start, Lsn end, WalSegmentSize size) {
        long systemId = Long.parseUnsignedLong(pg.systemIdentifier());
        ArchiveDirectory archive = ArchiveDirectory.create(dir);
        archive.bindTo(systemId, size);
        java.util.concurrent.atomic.AtomicLong durableAt = new java.util.concurrent.atomic.AtomicLong();
        try (PgJdbcWalSource source = PgJdbcWalSource.open(
                ConnectionSettings.fromConninfo(pg.replicationConninfo("bench_pgjdbc")), Duration.ofSeconds(10));
                ArchivePipeline pipeline = new ArchivePipeline(archive, size, ArchivePipeline.Settings.defaults()
                        .withVerifier(ReceivedWalVerifier.records(size, 1, systemId, pg.serverVersionNum() / 10000)))) {
            pipeline.startAt(1, start);
            pipeline.sink().attach(source);
            pipeline.sink().stopAt(end);
            pipeline.onDurable(lsn -> {
                if (lsn >= end.value()) {
                    durableAt.compareAndSet(0, System.nanoTime());
                }
            });
            source.stream(null, start, pipeline.sink());
            pipeline.failure().getNow(null);
        }
        if (durableAt.get() == 0) {
            throw new IllegalStateException("the pgjdbc source stopped before " + end + " was durable");
        }
        return durableAt.get();
    }

    /** What the disk takes: the same bytes written in 128 kB chunks to segment-sized files, each fsynced. */
    private static void diskCeiling(Path dir, long bytes, WalSegmentSize size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(128 << 10);
        new java.util.Random(1).ints(chunk.capacity() / 4).forEach(chunk::putInt);
        long left = bytes;
        for (int file = 0; left > 0; file++) {
            try (FileChannel ch = FileChannel.open(dir.resolve("segment-" + file), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                long inFile = Math.min(left, size.bytes());
                for (long at = 0; at < inFile; ) {
                    chunk.clear().limit((int) Math.min(chunk.capacity(), inFile - at));
                    at += ch.write(chunk, at);
                }
                ch.force(false);
                left -= inFile;
            }
        }
    }

    private static List<String> runs(Path pgReceivewal, List<String> walstreamCommand) {
        List<String> runs = new ArrayList<>(List.of("walstream none", "walstream lz4"));
        if (!walstreamCommand.isEmpty()) {
            runs.add(PROCESS);
        }
        if (pgReceivewal != null) {
            runs.addAll(List.of("pg_receivewal none", "pg_receivewal lz4"));
        }
        runs.addAll(List.of(PGJDBC, NULL_SINK, DISK_CEILING));
        return runs;
    }

    /** Receives into {@code dir} up to {@code end}; returns when (nanoTime) the WAL was durable. */
    private static long walstream(PgCluster pg, Path dir, Lsn end, String compress) throws Exception {
        ReceiveOptions options = ReceiveOptions.of(ConnectionSettings.fromConninfo(pg.replicationConninfo("bench_walstream")))
                .withEndLsn(end).withLoop(false, Duration.ofSeconds(1))
                .withCompression(SegmentCompression.parse(compress));
        if (Boolean.getBoolean("bench.noSync")) {
            options = options.withFsync(io.walstream.archiver.pipeline.FsyncPolicy.none());
        }
        if (Boolean.getBoolean("bench.noVerify")) {
            options = options.withVerifyRecords(false);
        }
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            while (receiver.progress().durableLsn() < end.value() && !run.isDone()) {
                Thread.sleep(5);
            }
            long durable = System.nanoTime();
            if (run.get() != ArchiveReceiver.Outcome.END_POSITION_REACHED) {
                throw new IllegalStateException("walstream did not reach " + end);
            }
            return durable; // run() returns once compression of the last segments is done too
        }
    }

    /**
     * Runs {@code walstream receive} as a new process to {@code end}, no compression, durability on; returns its peak
     * resident set in bytes (-1 if unread).
     */
    private static long walstreamProcess(List<String> walstream, PgCluster pg, Path dir, Lsn end) throws Exception {
        List<String> command = new ArrayList<>(walstream);
        command.addAll(List.of("receive", "-D", dir.toString(), "-d", pg.replicationConninfo("bench_walstream"),
                "-E", end.toString(), "-n", "--no-progress"));
        return runToTheEnd("walstream receive", new ProcessBuilder(command), dir).peakRss();
    }

    private record Finished(long peakRss, String log) {
    }

    /** Runs a receiver into {@code dir} until it exits (0, or an exception with its log); its peak RSS and log. */
    private static Finished runToTheEnd(String what, ProcessBuilder pb, Path dir) throws Exception {
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long peakRss;
        try (Memory.Watcher rss = new Memory.Watcher(p)) {
            if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(what + " failed: " + Files.readString(log));
            }
            peakRss = rss.peakBytes();
        }
        String text = Files.readString(log);
        Files.delete(log);
        return new Finished(peakRss, text);
    }

    /** When the receiver's first WAL file appeared in its directory: start-up and connection, before any WAL. */
    private static final class FirstByte {
        private final Thread watcher;
        private volatile double seconds = Double.NaN;

        FirstByte(Path dir, long t0) {
            watcher = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try (var names = Files.list(dir)) {
                        if (names.anyMatch(f -> f.getFileName().toString().endsWith(".partial"))) {
                            seconds = (System.nanoTime() - t0) / 1e9;
                            return;
                        }
                    } catch (IOException e) {
                        return;
                    }
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "first-byte");
            watcher.setDaemon(true);
            watcher.start();
        }

        /** Seconds to the first file, NaN if none was seen. */
        double stop() throws InterruptedException {
            watcher.interrupt();
            watcher.join(1000);
            return seconds;
        }
    }

    /** Runs pg_receivewal to {@code end}; returns its peak resident set in bytes (-1 if unread). */
    private static long pgReceivewal(Path tool, PgCluster pg, Path dir, Lsn end, String compress, PrintWriter out)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(tool.toString(), "-D", dir.toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(pg.port()), "-U", pg.superuser(), "-w", "-n", "--compress=" + compress,
                "-E", end.toString(), "-v");
        pb.environment().put("PGPASSWORD", pg.password());
        pb.environment().put("PGSSLMODE", "disable");
        Finished run = runToTheEnd("pg_receivewal", pb, dir);
        out.print(run.log().lines().filter(l -> l.contains("starting") || l.contains("stop"))
                .map(l -> "    " + l + "\n").reduce("", String::concat));
        return run.peakRss();
    }

    /** A complete-looking segment just before {@code start}: both tools resume right after it. */
    static void seed(Path dir, Lsn start, WalSegmentSize size) throws IOException {
        WalFileName before = WalFileName.of(1, start.segmentNumber(size) - 1, size);
        try (FileChannel ch = FileChannel.open(dir.resolve(before.toString()), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), size.bytes() - 1L);
        }
    }
}
