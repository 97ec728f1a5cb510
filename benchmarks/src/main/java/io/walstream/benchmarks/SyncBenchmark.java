package io.walstream.benchmarks;

import io.walstream.pgcluster.PgCluster;
import io.walstream.replaysim.SvgBarChart;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each candidate costs the primary as its synchronous standby: the commit rate and commit latency of a
 * write load with {@code synchronous_commit=on} and {@code synchronous_standby_names} naming only that
 * candidate — none (local commits), PostgreSQL's own streaming standby, {@code pg_receivewal --synchronous},
 * {@code walstream receive --synchronous}. Rounds alternate the candidates so drift on a shared machine hits
 * them alike; the first round is a warm-up. walstream runs inside this JVM (the load does not: pgbench is a
 * process of its own, and the Java load only when pgbench is missing).
 *
 * <p>{@code walstream bench sync}.
 */
public final class SyncBenchmark {

    private SyncBenchmark() {
    }

    /** Rounds (the first is a warm-up), seconds per run, load clients, server major, where directories go. */
    public record Options(int rounds, int seconds, int clients, int pgMajor, Path workDir) {
        public Options {
            if (rounds < 2 || seconds < 1 || clients < 1) {
                throw new IllegalArgumentException("need at least 2 rounds (the first is a warm-up), 1 s and 1 client");
            }
        }
    }

    /** One candidate's runs in the counted rounds. */
    public record Result(String candidate, List<WriteLoad.Result> runs) {
        public double medianTps() {
            return Benchmarks.median(runs.stream().map(WriteLoad.Result::tps).toList());
        }

        public double medianP99Ms() {
            return Benchmarks.median(runs.stream().map(WriteLoad.Result::p99Ms).toList());
        }
    }

    public static List<Result> run(Options o, PrintWriter out) throws Exception {
        try (PgCluster primary = PgCluster.builder().version(o.pgMajor()).name("bench_sync")
                .setting("max_wal_size", "2GB").setting("synchronous_commit", "on").start();
                StandbyCandidate.Bench bench = new StandbyCandidate.Bench(primary, o.workDir(),
                        Benchmarks.localTool(o.pgMajor(), "pg_receivewal", out))) {
            WriteLoad load = WriteLoad.prepare(primary, o.pgMajor(), o.workDir(), o.clients(), out);
            out.printf(Locale.ROOT, "PostgreSQL %s, %s, %d s per run, synchronous_commit=on, %d rounds (the first is a warm-up)%n",
                    primary.binaries().version(), load.describe(), o.seconds(), o.rounds());
            Map<StandbyCandidate, List<WriteLoad.Result>> results = new LinkedHashMap<>();
            List<StandbyCandidate> candidates = StandbyCandidate.available(bench.pgReceivewal);
            for (int round = 0; round < o.rounds(); round++) {
                for (StandbyCandidate c : candidates) {
                    WriteLoad.Result r;
                    try (StandbyCandidate.Attached attached = bench.attach(c, true, true)) {
                        r = load.run(o.seconds(), 0);
                    }
                    out.printf(Locale.ROOT, "round %d  %-18s %s%s%n", round, c.label, WriteLoad.format(r),
                            round == 0 ? "  warm-up" : "");
                    if (round > 0) {
                        results.computeIfAbsent(c, k -> new ArrayList<>()).add(r);
                    }
                }
            }
            List<Result> list = results.entrySet().stream().map(e -> new Result(e.getKey().label,
                    List.copyOf(e.getValue()))).toList();
            summary(list, out);
            out.flush();
            return list;
        }
    }

    private static void summary(List<Result> results, PrintWriter out) {
        Map<String, Double> tps = new LinkedHashMap<>();
        results.forEach(r -> tps.put(r.candidate(), r.medianTps()));
        Double postgres = tps.get(StandbyCandidate.POSTGRES_STANDBY.label);
        Double receivewal = tps.get(StandbyCandidate.PG_RECEIVEWAL.label);
        out.println();
        out.printf(Locale.ROOT, "%-18s %9s %9s %9s %11s %18s %15s%n", "sync standby", "min TPS", "median", "max",
                "p99 ms", "/ postgres standby", "/ pg_receivewal");
        for (Result r : results) {
            List<Double> all = r.runs().stream().map(WriteLoad.Result::tps).toList();
            out.printf(Locale.ROOT, "%-18s %9.1f %9.1f %9.1f %11.2f %18s %15s%n", r.candidate(), Benchmarks.min(all),
                    r.medianTps(), Benchmarks.max(all), r.medianP99Ms(), ratio(r.medianTps(), postgres),
                    ratio(r.medianTps(), receivewal));
        }
        Map<String, List<Double>> perRound = new LinkedHashMap<>();
        results.forEach(r -> perRound.put(r.candidate(), r.runs().stream().map(WriteLoad.Result::tps).toList()));
        Benchmarks.perRoundRatios(out, StandbyCandidate.PG_RECEIVEWAL.label, perRound,
                StandbyCandidate.WALSTREAM.label::equals);
    }

    /** The median TPS (min to max) as an SVG bar chart. */
    public static void writeSvg(List<Result> results, String title, Path file) throws java.io.IOException {
        SvgBarChart.write(file, title, "transactions per second (synchronous_commit=on)", results.stream()
                .map(r -> {
                    List<Double> tps = r.runs().stream().map(WriteLoad.Result::tps).toList();
                    return new SvgBarChart.Bar(r.candidate(), r.medianTps(), Benchmarks.min(tps), Benchmarks.max(tps));
                }).toList());
    }

    static String ratio(double value, Double base) {
        return base == null ? "-" : String.format(Locale.ROOT, "%.2f", value / base);
    }
}
