package io.walstream.cli;

import io.walstream.pgcluster.Directories;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.SimulationResult;
import io.walstream.replaysim.Simulator;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.StandbySettings;
import io.walstream.replaysim.SvgBarChart;
import io.walstream.replaysim.SvgLineChart;
import io.walstream.replaysim.SyntheticWorkload;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walstream simulate}: how many standby queries are cancelled, of which kind, and how far replay falls
 * behind, for each {@code max_standby_streaming_delay} in a sweep.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Model a hot standby replaying WAL while read-only queries run on it, for each delay in --delay:",
            "recovery-conflict cancellations per pg_stat_database_conflicts column, ERROR/FATAL, completed",
            "queries, replay-lag percentiles. Input: --synthetic (a primary and a standby described by rates), or",
            "--archive DIR (WAL and receipt times that `walstream receive --receipt-log` archived) with synthetic queries.",
            "Deterministic for a seed. With --out: results.json, results.csv, lag.csv, events.csv, cancellations.svg and lag.svg."
        })
final class SimulateCommand implements Callable<Integer> {

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--synthetic", description = "Generate the WAL and the queries from the rates below.")
        boolean synthetic;

        @Option(names = "--archive", paramLabel = "DIR", description = "Replay the WAL of this walstream archive "
                + "(received with --receipt-log; compressed segments too); queries from --query-rate/--query-seconds.")
        Path archive;

        @Option(names = "--validate", description = "Run each --delay (and --feedback) on a real primary and hot "
                + "standby (embedded PostgreSQL) with a write load and queries from --query-rate/--query-seconds, "
                + "archive its WAL with receipt times, simulate the same, and compare per conflict type and lag "
                + "(exit status 3 when a setting misses the target: counts ±15%% or ±2, lag p50/p99 ±20%% or ±100 ms).")
        boolean validate;
    }

    @Option(names = "--write-rate", defaultValue = "200", description = "With --validate: primary updates per second.")
    double writeRate;

    @Option(names = "--vacuum-every", defaultValue = "5", paramLabel = "SECONDS",
            description = "With --validate: VACUUM on the primary this often (0: never).")
    double vacuumEvery;

    @Option(names = "--lock-every", defaultValue = "10", paramLabel = "SECONDS",
            description = "With --validate: LOCK TABLE on the primary this often (0: never).")
    double lockEvery;

    @Option(names = "--locked-share", defaultValue = "0.2",
            description = "With --validate: share of the queries that read the table the primary locks.")
    double lockedShare;

    @Option(names = "--pg-version", defaultValue = "0", description = "With --validate: PostgreSQL major "
            + "(default: pgcluster's default).")
    int pgVersion;

    @Option(names = "--dir", paramLabel = "DIR", description = "With --validate: where the archive goes "
            + "(default: a temporary directory, removed afterwards).")
    Path workDir;

    @Option(names = "--queries", paramLabel = "FILE", description = "Standby queries from a trace instead of "
            + "--query-rate: start_s,duration_s[,db[,relations[,in_transaction[,pinned]]]] per line, start from the "
            + "start of the WAL; relations and pinned pages (relfilenumber:block) separated by ';'.")
    Path queryTrace;

    @Option(names = "--query-db", paramLabel = "OID", description = "With --archive: the database queries run in "
            + "(default: the one with the most cleanup records).")
    Integer queryDb;

    @Option(names = "--query-rel", paramLabel = "OID", split = ",", description = "With --archive: relations the "
            + "queries read (for lock conflicts; default none).")
    List<Integer> queryRelations = List.of();

    @Option(names = "--delay", split = ",", defaultValue = "0,1s,5s,30s,-1", paramLabel = "DELAY",
            description = "max_standby_streaming_delay values to sweep: ms, s, or -1 (default ${DEFAULT-VALUE}).")
    List<String> delays;

    @Option(names = "--feedback", defaultValue = "off", split = ",", paramLabel = "on|off",
            description = "hot_standby_feedback; with --validate a list (off,on) runs each delay with each.")
    List<String> feedbacks;

    @Option(names = "--seconds", defaultValue = "300", description = "Length of the simulated run (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--commit-rate", defaultValue = "200", description = "Primary commits per second.")
    double commitRate;

    @Option(names = "--cleanup-rate", defaultValue = "2", description = "Cleanup (prune/vacuum) records per second.")
    double cleanupRate;

    @Option(names = "--lock-rate", defaultValue = "0.01", description = "Lock-taking DDL per second.")
    double lockRate;

    @Option(names = "--query-rate", defaultValue = "1", description = "Standby queries per second (Poisson).")
    double queryRate;

    @Option(names = "--query-seconds", defaultValue = "5", description = "Mean query duration (exponential).")
    double querySeconds;

    @Option(names = "--apply-us", defaultValue = "5", description = "Startup process time per record, microseconds.")
    long applyMicros;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Write results.json, results.csv, lag.csv, cancellations.svg.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        for (String f : feedbacks) {
            if (!f.equals("on") && !f.equals("off")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--feedback is on or off, not " + f);
            }
        }
        List<Long> delayMicros = new ArrayList<>();
        for (String d : delays) {
            delayMicros.add(parseDelay(d));
        }
        PrintWriter o = spec.commandLine().getOut();
        if (input.validate) {
            return validate(delayMicros, o);
        }
        if (feedbacks.size() != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--feedback takes one value without --validate");
        }
        String feedback = feedbacks.get(0);
        List<ReplayRecord> records;
        List<Receipt> receipts;
        List<StandbyQuery> queries;
        long segmentBytes = 16L << 20;
        if (input.archive != null) {
            ArchiveReplayInput a;
            try {
                a = ArchiveReplayInput.read(input.archive);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            records = a.records;
            receipts = a.receipts;
            segmentBytes = a.segmentBytes;
            long from = receipts.get(0).receivedMicros();
            long span = receipts.get(receipts.size() - 1).receivedMicros() - from;
            int db = queryDb != null ? queryDb : a.busiestDatabase;
            queries = queryTrace != null ? trace(from, db) : SyntheticWorkload.poissonQueries(seed, from, span, queryRate,
                    (long) (querySeconds * 1_000_000), db, queryRelations);
            o.printf(Locale.ROOT, "archive %s: %d WAL records (%.1f MB) over %.1f s, %d standby queries in database %d,"
                    + " seed %d, hot_standby_feedback %s%n", input.archive, a.walRecords, a.walBytes / 1e6, span / 1e6,
                    queries.size(), db, seed, feedback);
        } else {
            SyntheticWorkload w = SyntheticWorkload.generate(new SyntheticWorkload.Parameters(seconds * 1_000_000L,
                    commitRate, cleanupRate, lockRate, 200_000, queryRate, (long) (querySeconds * 1_000_000), seed));
            records = w.records;
            receipts = w.receipts;
            queries = queryTrace != null ? trace(0, queryDb != null ? queryDb : SyntheticWorkload.DATABASE) : w.queries;
            o.printf(Locale.ROOT, "synthetic: %d s, %d WAL records, %d standby queries, seed %d, hot_standby_feedback %s%n",
                    seconds, records.size(), queries.size(), seed, feedback);
        }
        o.printf(Locale.ROOT, "%-8s %9s %9s %9s %7s %7s %9s %10s %10s %10s %10s %9s %8s%n", "delay", "snapshot", "lock",
                "tablespace", "errors", "fatals", "completed", "lag p50", "p95", "p99", "max", "bufferpin", "deadlock");
        List<String[]> rows = new ArrayList<>();
        StringBuilder json = new StringBuilder("[\n");
        StringBuilder lagCsv = new StringBuilder("delay,at_s,lag_ms\n");
        StringBuilder eventsCsv = new StringBuilder("delay,lsn,type,at_s,wait_ms,victims\n");
        List<SvgBarChart.Bar> bars = new ArrayList<>();
        List<SvgLineChart.Series> lagLines = new ArrayList<>();
        for (int i = 0; i < delayMicros.size(); i++) {
            StandbySettings s = StandbySettings.defaults().withDelay(delayMicros.get(i))
                    .withFeedback(feedback.equals("on")).withApplyCost(applyMicros);
            SimulationResult r = Simulator.run(records, receipts, queries, s, segmentBytes);
            String label = delays.get(i);
            String[] row = {label, Integer.toString(r.cancellations(ConflictType.SNAPSHOT)),
                Integer.toString(r.cancellations(ConflictType.LOCK)), Integer.toString(r.cancellations(ConflictType.TABLESPACE)),
                Integer.toString(r.errors()), Integer.toString(r.fatals()), Integer.toString(r.completed()),
                ms(r.lagPercentile(50)), ms(r.lagPercentile(95)), ms(r.lagPercentile(99)), ms(r.lagPercentile(100)),
                Integer.toString(r.cancellations(ConflictType.BUFFERPIN)),
                Integer.toString(r.cancellations(ConflictType.DEADLOCK))};
            rows.add(row);
            o.printf(Locale.ROOT, "%-8s %9s %9s %9s %7s %7s %9s %10s %10s %10s %10s %9s %8s%n", (Object[]) row);
            json.append(String.format(Locale.ROOT, "  {\"delay\": \"%s\", \"confl_snapshot\": %s, \"confl_lock\": %s, "
                    + "\"confl_tablespace\": %s, \"errors\": %s, \"fatals\": %s, \"completed\": %s, \"queries\": %d, "
                    + "\"lag_ms\": {\"p50\": %s, \"p95\": %s, \"p99\": %s, \"max\": %s}, \"confl_bufferpin\": %s, "
                    + "\"confl_deadlock\": %s, \"conflict_events\": %d}%s%n",
                    label, row[1], row[2], row[3], row[4], row[5], row[6], queries.size(), row[7], row[8], row[9],
                    row[10], row[11], row[12], r.events().size(), i + 1 < delayMicros.size() ? "," : ""));
            for (SimulationResult.ConflictEvent e : r.events()) {
                eventsCsv.append(label).append(',').append(Lsn.of(e.lsn())).append(',')
                        .append(e.type().column).append(',')
                        .append(String.format(Locale.ROOT, "%.3f", e.atMicros() / 1e6)).append(',')
                        .append(ms(e.waitMicros())).append(',').append(e.victims().size()).append('\n');
            }
            for (SimulationResult.LagSample l : r.lag()) {
                lagCsv.append(label).append(',').append(String.format(Locale.ROOT, "%.3f", l.atMicros() / 1e6)).append(',')
                        .append(ms(l.lagMicros())).append('\n');
            }
            bars.add(new SvgBarChart.Bar("delay " + label, r.errors() + r.fatals(), Double.NaN, Double.NaN));
            lagLines.add(lagSeries("delay " + label, r.lag(), receipts.get(0).receivedMicros()));
        }
        o.println("(lag in ms: replay time of each commit minus its receipt; cancellations as pg_stat_database_conflicts counts them)");
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("results.json"), json.append("]\n"));
            StringBuilder csv = new StringBuilder("delay,confl_snapshot,confl_lock,confl_tablespace,errors,fatals,completed,"
                    + "lag_p50_ms,lag_p95_ms,lag_p99_ms,lag_max_ms,confl_bufferpin,confl_deadlock\n");
            rows.forEach(r -> csv.append(String.join(",", r)).append('\n'));
            Files.writeString(out.resolve("results.csv"), csv);
            Files.writeString(out.resolve("lag.csv"), lagCsv);
            Files.writeString(out.resolve("events.csv"), eventsCsv);
            SvgLineChart.write(out.resolve("lag.svg"), "Replay lag of each commit by max_standby_streaming_delay",
                    "seconds into the WAL", "lag, ms", lagLines);
            SvgBarChart.write(out.resolve("cancellations.svg"), "Cancelled standby queries by max_standby_streaming_delay",
                    "queries cancelled (ERROR + FATAL) of " + queries.size(), bars);
            o.println("wrote " + out.resolve("results.json") + ", results.csv, lag.csv, events.csv, cancellations.svg, lag.svg");
        }
        o.flush();
        return 0;
    }

    private int validate(List<Long> delayMicros, PrintWriter o) throws Exception {
        Path dir = workDir != null ? workDir : Files.createTempDirectory("walstream-validate-");
        ValidationRun.Load load = new ValidationRun.Load(seconds, writeRate, vacuumEvery, lockEvery, queryRate,
                querySeconds, lockedShare, seed);
        List<ValidationRun.Comparison> comparisons;
        try (ValidationRun run = ValidationRun.start(pgVersion, dir.resolve("archive"))) {
            o.printf(Locale.ROOT, "validate: %s%n  per scenario %d s: %.0f updates/s, VACUUM every %.0f s, LOCK TABLE every"
                    + " %.0f s; queries %.2f/s, mean %.1f s, %.0f%% on the locked table; seed %d%n", run.describe(),
                    seconds, writeRate, vacuumEvery, lockEvery, queryRate, querySeconds, lockedShare * 100, seed);
            o.flush();
            int index = 0;
            for (String f : feedbacks) {
                for (int i = 0; i < delayMicros.size(); i++) {
                    ValidationRun.Scenario s = new ValidationRun.Scenario(delays.get(i), delayMicros.get(i), f.equals("on"));
                    run.runScenario(s, load, index++);
                    o.printf(Locale.ROOT, "  ran delay %s feedback %s%n", s.label(), f);
                    o.flush();
                }
            }
            comparisons = run.compare();
            if (out != null) {
                Files.createDirectories(out);
                Files.writeString(out.resolve("standby.log"), run.standbyLog());
            }
        } finally {
            if (workDir == null) {
                Directories.deleteRecursively(dir);
            }
        }
        o.printf(Locale.ROOT, "%-6s %-4s %7s %17s %17s %13s %13s %21s %21s %11s %s%n", "delay", "fb", "queries",
                "snapshot real/sim", "lock real/sim", "errors r/s", "fatals r/s", "lag p50/p99 real ms",
                "lag p50/p99 sim ms", "xmin equal", "within");
        StringBuilder csv = new StringBuilder("delay,feedback,queries,real_snapshot,sim_snapshot,real_lock,sim_lock,"
                + "real_bufferpin,real_deadlock,readers_snapshot,readers_lock,real_errors,sim_errors,real_fatals,"
                + "sim_fatals,real_completed,sim_completed,commits,real_lag_p50_ms,sim_lag_p50_ms,real_lag_p99_ms,"
                + "sim_lag_p99_ms,real_lag_max_ms,sim_lag_max_ms,xmin_compared,xmin_equal,idle_terminated,within\n");
        boolean all = true;
        for (ValidationRun.Comparison c : comparisons) {
            SimulationResult p = c.predicted();
            int rs = c.real().getOrDefault(ConflictType.SNAPSHOT, 0);
            int rl = c.real().getOrDefault(ConflictType.LOCK, 0);
            boolean within = c.withinTargets();
            all &= within;
            String fb = c.scenario().feedback() ? "on" : "off";
            o.printf(Locale.ROOT, "%-6s %-4s %7d %17s %17s %13s %13s %21s %21s %11s %s%n", c.scenario().label(), fb,
                    c.queries(), rs + "/" + p.cancellations(ConflictType.SNAPSHOT), rl + "/" + p.cancellations(ConflictType.LOCK),
                    c.realErrors() + "/" + p.errors(), c.realFatals() + "/" + p.fatals(),
                    ms(c.realLag()[0]) + "/" + ms(c.realLag()[1]), ms(c.predictedLag()[0]) + "/" + ms(c.predictedLag()[1]),
                    c.xminEqual() + "/" + c.xminCompared(), within ? "yes" : "NO");
            csv.append(String.join(",", c.scenario().label(), fb, Integer.toString(c.queries()), Integer.toString(rs),
                    Integer.toString(p.cancellations(ConflictType.SNAPSHOT)), Integer.toString(rl),
                    Integer.toString(p.cancellations(ConflictType.LOCK)),
                    Integer.toString(c.real().getOrDefault(ConflictType.BUFFERPIN, 0)),
                    Integer.toString(c.real().getOrDefault(ConflictType.DEADLOCK, 0)),
                    Integer.toString(c.readers().getOrDefault(ConflictType.SNAPSHOT, 0)),
                    Integer.toString(c.readers().getOrDefault(ConflictType.LOCK, 0)), Integer.toString(c.realErrors()),
                    Integer.toString(p.errors()), Integer.toString(c.realFatals()), Integer.toString(p.fatals()),
                    Integer.toString(c.realCompleted()), Integer.toString(p.completed()), Integer.toString(c.commits()),
                    ms(c.realLag()[0]), ms(c.predictedLag()[0]), ms(c.realLag()[1]), ms(c.predictedLag()[1]),
                    ms(c.realLag()[2]), ms(c.predictedLag()[2]), Integer.toString(c.xminCompared()),
                    Integer.toString(c.xminEqual()), Integer.toString(c.idleTerminated()), Boolean.toString(within)))
                    .append('\n');
        }
        o.println("(real: the standby's pg_stat_database_conflicts deltas, its readers' outcomes, each commit's replay seen"
                + " by polling pg_last_wal_replay_lsn() every 10 ms minus walstream's receipt time; within: counts ±15% or"
                + " ±2, lag p50/p99 ±20% or ±100 ms)");
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("validation.csv"), csv);
            StringBuilder lag = new StringBuilder("delay,feedback,received_s,real_lag_ms,sim_lag_ms\n");
            for (ValidationRun.Comparison c : comparisons) {
                long origin = c.lagSeries().isEmpty() ? 0 : c.lagSeries().get(0).receivedMicros();
                for (ValidationRun.LagPoint l : c.lagSeries()) {
                    lag.append(c.scenario().label()).append(',').append(c.scenario().feedback() ? "on" : "off").append(',')
                            .append(String.format(Locale.ROOT, "%.3f", (l.receivedMicros() - origin) / 1e6)).append(',')
                            .append(ms(l.realMicros())).append(',').append(ms(l.simulatedMicros())).append('\n');
                }
            }
            Files.writeString(out.resolve("validation-lag.csv"), lag);
            for (ValidationRun.Comparison c : comparisons) {
                List<ValidationRun.LagPoint> points = c.lagSeries();
                double[] x = new double[points.size()];
                double[] real = new double[points.size()];
                double[] simulated = new double[points.size()];
                long origin = points.isEmpty() ? 0 : points.get(0).receivedMicros();
                for (int i = 0; i < x.length; i++) {
                    x[i] = (points.get(i).receivedMicros() - origin) / 1e6;
                    real[i] = points.get(i).realMicros() / 1e3;
                    simulated[i] = points.get(i).simulatedMicros() / 1e3;
                }
                String name = "delay " + c.scenario().label() + ", feedback " + (c.scenario().feedback() ? "on" : "off");
                SvgLineChart.write(out.resolve("validation-lag-" + c.scenario().label() + "-"
                        + (c.scenario().feedback() ? "on" : "off") + ".svg"), "Replay lag per commit, " + name,
                        "seconds into the scenario", "lag, ms", List.of(new SvgLineChart.Series("real standby", x, real),
                                new SvgLineChart.Series("simulator", x, simulated)));
            }
            StringBuilder events = new StringBuilder("delay,feedback,lsn,type,at,wait_ms,victims\n");
            for (ValidationRun.Comparison c : comparisons) {
                for (SimulationResult.ConflictEvent e : c.predicted().events()) {
                    events.append(c.scenario().label()).append(',').append(c.scenario().feedback() ? "on" : "off")
                            .append(',').append(Lsn.of(e.lsn())).append(',').append(e.type())
                            .append(',').append(PgEpoch.toInstant(e.atMicros())).append(',')
                            .append(ms(e.waitMicros())).append(',').append(e.victims().size()).append('\n');
                }
            }
            Files.writeString(out.resolve("validation-events.csv"), events);
            StringBuilder queries = new StringBuilder("delay,feedback,id,start_s,real_end_s,sim_end_s,real_outcome,"
                    + "sim_outcome,real_xmin,sim_xmin\n");
            for (ValidationRun.Comparison c : comparisons) {
                Map<Integer, SimulationResult.QueryOutcome> sim = new HashMap<>();
                c.predicted().queries().forEach(q -> sim.put(q.id(), q));
                long origin = c.outcomes().stream().mapToLong(StandbyReaders.Outcome::startMicros).min().orElse(0);
                for (StandbyReaders.Outcome r : c.outcomes()) {
                    SimulationResult.QueryOutcome q = sim.get(r.id());
                    queries.append(String.format(Locale.ROOT, "%s,%s,%d,%.3f,%.3f,%.3f,%s,%s,%d,%d%n", c.scenario().label(),
                            c.scenario().feedback() ? "on" : "off", r.id(), (r.startMicros() - origin) / 1e6,
                            (r.endMicros() - origin) / 1e6, (q.endMicros() - origin) / 1e6,
                            r.cancelledBy() == null ? "completed" : r.cancelledBy() + (r.fatal() ? " FATAL" : ""),
                            q.cancelledBy() == null ? "completed" : q.cancelledBy() + (q.fatal() ? " FATAL" : ""),
                            r.snapshotXmin(), Integer.toUnsignedLong(q.snapshotXmin())));
                }
            }
            Files.writeString(out.resolve("validation-queries.csv"), queries);
            o.println("wrote " + out.resolve("validation.csv") + ", validation-lag.csv, validation-events.csv, validation-queries.csv, validation-lag-*.svg, standby.log");
        }
        o.flush();
        return all ? 0 : 3;
    }

    private List<StandbyQuery> trace(long origin, int db) throws java.io.IOException {
        try {
            return QueryTrace.read(queryTrace, origin, db);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--queries: " + e.getMessage());
        }
    }

    /** A lag series for the chart: seconds since {@code origin}, lag in milliseconds. */
    private static SvgLineChart.Series lagSeries(String label, List<SimulationResult.LagSample> lag, long origin) {
        double[] x = new double[lag.size()];
        double[] y = new double[lag.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (lag.get(i).atMicros() - origin) / 1e6;
            y[i] = lag.get(i).lagMicros() / 1e3;
        }
        return new SvgLineChart.Series(label, x, y);
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    private long parseDelay(String d) {
        String v = d.trim();
        try {
            if (v.equals("-1")) {
                return StandbySettings.WAIT_FOREVER;
            }
            if (v.endsWith("ms")) {
                return Long.parseLong(v.substring(0, v.length() - 2)) * 1_000;
            }
            if (v.endsWith("s")) {
                return Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1_000_000);
            }
            return Long.parseLong(v) * 1_000; // PostgreSQL's unit for the setting: milliseconds
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--delay: not a delay: " + d);
        }
    }
}
