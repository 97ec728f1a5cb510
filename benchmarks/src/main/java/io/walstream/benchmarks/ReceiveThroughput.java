package io.walstream.benchmarks;

import io.walstream.archiver.ArchiveReceiver;
import io.walstream.archiver.ReceiveOptions;
import io.walstream.archiver.SegmentCompression;
import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * End to end, same machine, same run: how fast walstream receives a fixed stretch of WAL into an
 * archive, with and without compression, against pg_receivewal (when installed) doing the same.
 * A slot nobody streams from holds the WAL; each run gets a fresh directory seeded with a
 * placeholder for the segment before the start, so both tools begin at the same segment and stop
 * at the same {@code -E}. Rounds alternate the tools so drift on a shared machine hits them alike;
 * the first round is a warm-up (JIT, page cache) and is not counted. Throughput is until the WAL is
 * durable (what the server sees as flushed); walstream compresses completed segments afterwards on
 * its own thread, pg_receivewal inline. Prints MB/s per run and the medians' ratios.
 *
 * <pre>
 * java -cp benchmarks/target/classes:$(cat cp.txt) io.walstream.benchmarks.ReceiveThroughput [MB of WAL] [rounds] [dir]
 * </pre>
 */
public final class ReceiveThroughput {

    private ReceiveThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Path work = Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir"));
        int major = 15; // the pg_receivewal on these machines is 15's
        Path pgReceivewal = pgReceivewal(major);

        try (PgCluster pg = PgCluster.builder().version(major).name("bench_receive")
                .setting("wal_keep_size", (megabytes * 2) + "MB").setting("max_wal_size", (megabytes * 2) + "MB")
                .setting("synchronous_commit", "off").start()) {
            WalSegmentSize size = WalSegmentSize.ofBytes(pg.walSegmentSize());
            pg.createPhysicalSlot("hold");
            pg.switchWal(); // start past segment 1: pg_receivewal ignores a segment 0 in the directory
            Lsn start = Lsn.parse(pg.currentWalLsn()).segmentStart(size);
            pg.execute("CREATE TABLE t (id bigint, payload text)");
            long rowsPerMb = 1100;
            for (int done = 0; done < megabytes; done += 64) {
                pg.execute("INSERT INTO t SELECT g, md5(g::text) || repeat(md5((g * 7)::text), 25) "
                        + "FROM generate_series(1, " + (64 * rowsPerMb) + ") g");
            }
            Lsn end = Lsn.parse(pg.switchWal());
            long bytes = end.value() - start.value();
            System.out.printf(Locale.ROOT, "PostgreSQL %s, %d MB of WAL from %s to %s, %d rounds (first is warm-up)%n",
                    pg.binaries().version(), bytes >> 20, start, end, rounds);

            Map<String, List<Double>> results = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (String run : runs(pgReceivewal)) {
                    Path dir = Files.createTempDirectory(work, "recv-");
                    seed(dir, start, size);
                    long t0 = System.nanoTime();
                    long durable;
                    if (run.startsWith("walstream")) {
                        durable = walstream(pg, dir, end, run.substring(run.indexOf(' ') + 1));
                    } else {
                        // pg_receivewal compresses inline: its WAL is durable when it is compressed
                        pgReceivewal(pgReceivewal, pg, dir, end, run.substring(run.indexOf(' ') + 1));
                        durable = System.nanoTime();
                    }
                    long finished = System.nanoTime();
                    double seconds = (durable - t0) / 1e9;
                    double mbps = bytes / 1048576.0 / seconds;
                    System.out.printf(Locale.ROOT, "round %d  %-24s %7.1f MB/s  (%.2f s durable, %.2f s all compressed)%s%n",
                            round, run, mbps, seconds, (finished - t0) / 1e9, round == 0 ? "  warm-up" : "");
                    if (round > 0) {
                        results.computeIfAbsent(run, k -> new ArrayList<>()).add(mbps);
                    }
                    delete(dir);
                }
            }
            double base = median(results.get("walstream none"));
            System.out.println();
            System.out.println("median MB/s, and ratio to walstream without compression:");
            results.forEach((run, list) -> System.out.printf(Locale.ROOT, "  %-24s %7.1f  %.2f%n", run, median(list),
                    median(list) / base));
            if (results.containsKey("pg_receivewal none")) {
                System.out.printf(Locale.ROOT, "walstream / pg_receivewal, uncompressed: %.2f; lz4: %.2f%n",
                        base / median(results.get("pg_receivewal none")),
                        median(results.get("walstream lz4")) / median(results.get("pg_receivewal lz4")));
            }
        }
    }

    private static List<String> runs(Path pgReceivewal) {
        List<String> runs = new ArrayList<>(List.of("walstream none", "walstream lz4", "walstream gzip:1"));
        if (pgReceivewal != null) {
            runs.addAll(List.of("pg_receivewal none", "pg_receivewal lz4"));
        }
        return runs;
    }

    /** Receives into {@code dir} up to {@code end}; returns when (nanoTime) the WAL was durable. */
    private static long walstream(PgCluster pg, Path dir, Lsn end, String compress) throws Exception {
        ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + pg.port()
                + " user=" + pg.superuser() + " password=" + pg.password() + " application_name=bench_walstream",
                Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
        ReceiveOptions options = ReceiveOptions.of(settings).withEndLsn(end).withLoop(false, Duration.ofSeconds(1))
                .withCompression(SegmentCompression.parse(compress));
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

    private static void pgReceivewal(Path tool, PgCluster pg, Path dir, Lsn end, String compress) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(tool.toString(), "-D", dir.toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(pg.port()), "-U", pg.superuser(), "-w", "-n", "--compress=" + compress,
                "-E", end.toString(), "-v").redirectErrorStream(true).redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile());
        pb.environment().put("PGPASSWORD", pg.password());
        pb.environment().put("PGSSLMODE", "disable");
        Process p = pb.start();
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("pg_receivewal failed: exit " + p.exitValue() + ": " + Files.readString(log));
        }
        System.out.print(Files.readString(log).lines().filter(l -> l.contains("starting") || l.contains("stop"))
                .map(l -> "    " + l + "\n").reduce("", String::concat));
        Files.delete(log);
    }

    /** A complete-looking segment just before {@code start}: both tools resume right after it. */
    private static void seed(Path dir, Lsn start, WalSegmentSize size) throws IOException {
        WalFileName before = WalFileName.of(1, start.segmentNumber(size) - 1, size);
        try (FileChannel ch = FileChannel.open(dir.resolve(before.toString()), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), size.bytes() - 1L);
        }
    }

    private static Path pgReceivewal(int major) {
        try {
            PgBinaries local = PgBinaries.resolve(major, List.of(PgBinaries.Source.LOCAL));
            return local.has("pg_receivewal") ? local.tool("pg_receivewal") : null;
        } catch (RuntimeException e) {
            System.out.println("pg_receivewal " + major + " not installed: comparing walstream runs only");
            return null;
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
