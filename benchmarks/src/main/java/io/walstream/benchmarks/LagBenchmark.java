package io.walstream.benchmarks;

import io.walstream.pgcluster.PgCluster;
import io.walstream.replaysim.SvgBarChart;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * How far behind each receiver stays under a steady write load (pgbench paced with {@code --rate}): the
 * primary's {@code pg_stat_replication.write_lag} and {@code flush_lag} sampled every 100 ms, and, for
 * walstream, its own lag (its clock against the send time of the WAL it last made durable). Each receiver
 * runs as an asynchronous standby in its default mode and with {@code --synchronous} (fsync after every
 * batch, as pg_receivewal's flag does), PostgreSQL's standby as itself. Rounds alternate; the first is a
 * warm-up; percentiles are over the samples of all counted rounds.
 *
 * <p>{@code walstream bench lag}.
 */
public final class LagBenchmark {

    private LagBenchmark() {
    }

    public record Options(int rounds, int seconds, int rate, int pgMajor, Path workDir) {
        public Options {
            if (rounds < 2 || seconds < 2 || rate < 1) {
                throw new IllegalArgumentException("need at least 2 rounds (the first is a warm-up), 2 s and a rate of 1");
            }
        }
    }

    /** One receiver's lag samples in ms over the counted rounds; {@code own} is empty when it has no view of its own. */
    public record Result(String receiver, Histogram flushLag, Histogram writeLag, Histogram own, long nullSamples) {
        double flushP99() {
            return flushLag.getValueAtPercentile(99) / 1000.0;
        }
    }

    private record Run(StandbyCandidate candidate, boolean fsyncEachBatch) {
        String label() {
            return candidate.label + (fsyncEachBatch && candidate != StandbyCandidate.POSTGRES_STANDBY
                    ? " --synchronous" : "");
        }
    }

    public static List<Result> run(Options o, PrintWriter out) throws Exception {
        try (PgCluster primary = PgCluster.builder().version(o.pgMajor()).name("bench_lag")
                .setting("max_wal_size", "2GB").start();
                StandbyCandidate.Bench bench = new StandbyCandidate.Bench(primary, o.workDir(),
                        Benchmarks.localTool(o.pgMajor(), "pg_receivewal", out))) {
            WriteLoad load = WriteLoad.prepare(primary, o.pgMajor(), o.workDir(), 4, out);
            out.printf(Locale.ROOT, "PostgreSQL %s, %s at %d TPS, %d s per run, lag sampled every 100 ms, "
                    + "%d rounds (the first is a warm-up)%n", primary.binaries().version(), load.describe(), o.rate(),
                    o.seconds(), o.rounds());
            List<Run> runs = new ArrayList<>();
            for (StandbyCandidate c : StandbyCandidate.available(bench.pgReceivewal)) {
                if (c == StandbyCandidate.POSTGRES_STANDBY) {
                    runs.add(new Run(c, false));
                } else if (c != StandbyCandidate.NONE) {
                    runs.add(new Run(c, false));
                    runs.add(new Run(c, true));
                }
            }
            Map<Run, Result> results = new LinkedHashMap<>();
            for (int round = 0; round < o.rounds(); round++) {
                for (Run run : runs) {
                    Result r = new Result(run.label(), new Histogram(3), new Histogram(3), new Histogram(3), 0);
                    long nulls;
                    try (StandbyCandidate.Attached attached = bench.attach(run.candidate(), false, run.fsyncEachBatch());
                            Connection c = primary.connect()) {
                        CompletableFuture<WriteLoad.Result> loadRun = CompletableFuture.supplyAsync(() -> {
                            try {
                                return load.run(o.seconds(), o.rate());
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        nulls = sample(c, run.candidate().applicationName(), attached, loadRun, r);
                        loadRun.get(o.seconds() + 60L, TimeUnit.SECONDS);
                    }
                    out.printf(Locale.ROOT, "round %d  %-30s flush lag p50 %7.1f  p99 %7.1f  max %7.1f ms%s%n", round,
                            run.label(), r.flushLag().getValueAtPercentile(50) / 1000.0, r.flushP99(),
                            r.flushLag().getMaxValue() / 1000.0, round == 0 ? "  warm-up" : "");
                    if (round > 0) {
                        Result sum = results.computeIfAbsent(run, k -> new Result(k.label(), new Histogram(3),
                                new Histogram(3), new Histogram(3), 0));
                        sum.flushLag().add(r.flushLag());
                        sum.writeLag().add(r.writeLag());
                        sum.own().add(r.own());
                        results.put(run, new Result(sum.receiver(), sum.flushLag(), sum.writeLag(), sum.own(),
                                sum.nullSamples() + nulls));
                    }
                }
            }
            List<Result> list = List.copyOf(results.values());
            summary(list, out);
            out.flush();
            return list;
        }
    }

    /** Samples until the load ends; lags are recorded in microseconds. Returns how many samples had no lag (NULL). */
    private static long sample(Connection c, String applicationName, StandbyCandidate.Attached attached,
            CompletableFuture<?> load, Result into) throws Exception {
        long nulls = 0;
        try (PreparedStatement q = c.prepareStatement("SELECT EXTRACT(epoch FROM write_lag) * 1e6, "
                + "EXTRACT(epoch FROM flush_lag) * 1e6 FROM pg_stat_replication WHERE application_name = ?")) {
            q.setString(1, applicationName);
            while (!load.isDone()) {
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        double write = rs.getDouble(1);
                        boolean writeNull = rs.wasNull();
                        double flush = rs.getDouble(2);
                        if (rs.wasNull()) {
                            nulls++;
                        } else {
                            into.flushLag().recordValue(Math.max(0, Math.round(flush)));
                        }
                        if (!writeNull) {
                            into.writeLag().recordValue(Math.max(0, Math.round(write)));
                        }
                    }
                }
                double own = attached.ownFlushLagMillis();
                if (!Double.isNaN(own)) {
                    into.own().recordValue(Math.max(0, Math.round(own * 1000)));
                }
                Thread.sleep(100);
            }
        }
        return nulls;
    }

    /** Flush-lag p99 per receiver as an SVG bar chart. */
    public static void writeSvg(List<Result> results, String title, Path file) throws java.io.IOException {
        SvgBarChart.write(file, title, "flush lag p99, ms (pg_stat_replication, sampled)", results.stream()
                .map(r -> new SvgBarChart.Bar(r.receiver(), r.flushP99(), Double.NaN, Double.NaN)).toList());
    }

    private static void summary(List<Result> results, PrintWriter out) {
        Double receivewal = results.stream().filter(r -> r.receiver().equals("pg_receivewal --synchronous"))
                .map(Result::flushP99).findFirst().orElse(null);
        out.println();
        out.println("flush and write lag from pg_stat_replication (ms); own: the receiver's own clock");
        out.printf(Locale.ROOT, "%-30s %9s %9s %9s %9s %11s %11s %28s%n", "receiver", "flush p50", "p95", "p99", "max",
                "write p99", "own p99", "flush p99 / pg_receivewal --sync");
        for (Result r : results) {
            Histogram f = r.flushLag();
            out.printf(Locale.ROOT, "%-30s %9.1f %9.1f %9.1f %9.1f %11.1f %11s %28s%n", r.receiver(),
                    f.getValueAtPercentile(50) / 1000.0, f.getValueAtPercentile(95) / 1000.0, r.flushP99(),
                    f.getMaxValue() / 1000.0, r.writeLag().getValueAtPercentile(99) / 1000.0,
                    r.own().getTotalCount() == 0 ? "-"
                            : String.format(Locale.ROOT, "%.1f", r.own().getValueAtPercentile(99) / 1000.0),
                    SyncBenchmark.ratio(r.flushP99(), receivewal));
        }
    }
}
