package io.walstream.benchmarks;

import io.walstream.pgcluster.Directories;
import io.walstream.pgcluster.PgCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * A write load on the primary with {@code synchronous_commit=on}: pgbench's TPC-B-like script when pgbench is
 * installed, else the same transaction issued by Java threads. Every transaction's latency is kept (pgbench's
 * per-transaction log), so both report percentiles, not only the mean.
 */
final class WriteLoad {

    /** Committed transactions per second and commit latency percentiles, milliseconds. */
    record Result(long transactions, double tps, double p50Ms, double p99Ms, double maxMs) {
        static Result of(Histogram latencyMicros, double seconds) {
            long n = latencyMicros.getTotalCount();
            return new Result(n, n / seconds, latencyMicros.getValueAtPercentile(50) / 1000.0,
                    latencyMicros.getValueAtPercentile(99) / 1000.0, latencyMicros.getMaxValue() / 1000.0);
        }
    }

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    private final PgCluster primary;
    private final Path pgbench;
    private final Path workDir;
    private final int clients;

    private WriteLoad(PgCluster primary, Path pgbench, Path workDir, int clients) {
        this.primary = primary;
        this.pgbench = pgbench;
        this.workDir = workDir;
        this.clients = clients;
    }

    /** Creates the tables (pgbench -i at scale 10, or the Java load's copy of them). */
    static WriteLoad prepare(PgCluster primary, int pgMajor, Path workDir, int clients, PrintWriter out)
            throws Exception {
        Path pgbench = Benchmarks.localTool(pgMajor, "pgbench", out);
        WriteLoad load = new WriteLoad(primary, pgbench, workDir, clients);
        if (pgbench != null) {
            load.pgbench(List.of("-i", "-s", "10", "-q"));
        } else {
            primary.execute("CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, "
                    + "filler char(84)) WITH (fillfactor = 100)",
                    "INSERT INTO pgbench_accounts SELECT g, (g - 1) / 100000 + 1, 0, '' FROM generate_series(1, 1000000) g",
                    "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))",
                    "VACUUM ANALYZE");
        }
        return load;
    }

    String describe() {
        return pgbench != null ? "pgbench (TPC-B-like, scale 10, " + clients + " clients)"
                : "Java load (pgbench's update + insert, " + clients + " clients; pgbench is not installed)";
    }

    /** Runs for {@code seconds}; {@code rate} > 0 paces it to that many transactions per second in total. */
    Result run(int seconds, int rate) throws Exception {
        return pgbench != null ? runPgbench(seconds, rate) : runJava(seconds, rate);
    }

    private Result runPgbench(int seconds, int rate) throws Exception {
        Path logs = Files.createTempDirectory(workDir, "pgbench-");
        try {
            List<String> args = new ArrayList<>(List.of("-n", "-c", Integer.toString(clients), "-j",
                    Integer.toString(Math.min(clients, 2)), "-T", Integer.toString(seconds), "-M", "prepared", "-l",
                    "--log-prefix=" + logs.resolve("tx")));
            if (rate > 0) {
                args.add("--rate=" + rate);
            }
            String output = pgbench(args);
            Matcher tps = TPS.matcher(output);
            if (!tps.find()) {
                throw new IllegalStateException("no tps in pgbench's output:\n" + output);
            }
            // Log lines: client_id transaction_no time_us script_no time_epoch time_us_fraction [schedule_lag]
            Histogram latency = new Histogram(3);
            try (Stream<Path> files = Files.list(logs)) {
                for (Path f : files.toList()) {
                    try (Stream<String> lines = Files.lines(f)) {
                        lines.forEach(l -> {
                            String[] fields = l.split(" ");
                            latency.recordValue(Long.parseLong(fields[2]));
                        });
                    }
                }
            }
            Result fromLog = Result.of(latency, seconds);
            return new Result(fromLog.transactions(), Double.parseDouble(tps.group(1)), fromLog.p50Ms(),
                    fromLog.p99Ms(), fromLog.maxMs());
        } finally {
            Directories.deleteRecursively(logs);
        }
    }

    private String pgbench(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(pgbench.toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(primary.port()), "-U", primary.superuser()));
        command.addAll(args);
        command.add("postgres");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", primary.password());
        pb.environment().put("PGSSLMODE", "disable");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("pgbench " + args + " failed:\n" + output);
        }
        return output;
    }

    /** pgbench's default script, one transaction per iteration, from {@code clients} threads. */
    private Result runJava(int seconds, int rate) throws Exception {
        Histogram latency = new Histogram(3);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long intervalNanos = rate > 0 ? TimeUnit.SECONDS.toNanos(1) * clients / rate : 0;
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < clients; i++) {
            long seed = i;
            Thread thread = new Thread(() -> {
                java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                Histogram mine = new Histogram(3);
                try (Connection c = primary.connect();
                        PreparedStatement update = c.prepareStatement(
                                "UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?");
                        PreparedStatement select = c.prepareStatement("SELECT abalance FROM pgbench_accounts WHERE aid = ?");
                        PreparedStatement insert = c.prepareStatement("INSERT INTO pgbench_history "
                                + "(tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)")) {
                    c.setAutoCommit(false);
                    long next = System.nanoTime();
                    while (System.nanoTime() < end) {
                        if (intervalNanos > 0) {
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                            next += intervalNanos;
                        }
                        int aid = random.nextInt(1, 1_000_001);
                        int delta = random.nextInt(-5000, 5001);
                        long t0 = System.nanoTime();
                        update.setInt(1, delta);
                        update.setInt(2, aid);
                        update.executeUpdate();
                        select.setInt(1, aid);
                        select.executeQuery().close();
                        insert.setInt(1, random.nextInt(1, 101));
                        insert.setInt(2, 1);
                        insert.setInt(3, aid);
                        insert.setInt(4, delta);
                        insert.executeUpdate();
                        c.commit();
                        mine.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
                synchronized (latency) {
                    latency.add(mine);
                }
            }, "write-load-" + i);
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        return Result.of(latency, seconds);
    }

    static String format(Result r) {
        return String.format(Locale.ROOT, "%8.1f TPS  latency p50 %.2f ms  p99 %.2f ms  max %.1f ms", r.tps(),
                r.p50Ms(), r.p99Ms(), r.maxMs());
    }
}
