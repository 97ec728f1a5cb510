package io.walstream.cli;

import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.SimulationResult;
import io.walstream.replaysim.Simulator;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.StandbySettings;
import io.walstream.replaysim.SvgBarChart;
import io.walstream.replaysim.SyntheticWorkload;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
            "Deterministic for a seed. With --out: results.json, results.csv, lag.csv and cancellations.svg."
        })
final class SimulateCommand implements Callable<Integer> {

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--synthetic", description = "Generate the WAL and the queries from the rates below.")
        boolean synthetic;

        @Option(names = "--archive", paramLabel = "DIR", description = "Replay the WAL of this walstream archive "
                + "(uncompressed segments, received with --receipt-log); queries from --query-rate/--query-seconds.")
        Path archive;
    }

    @Option(names = "--query-db", paramLabel = "OID", description = "With --archive: the database queries run in "
            + "(default: the one with the most cleanup records).")
    Integer queryDb;

    @Option(names = "--query-rel", paramLabel = "OID", split = ",", description = "With --archive: relations the "
            + "queries read (for lock conflicts; default none).")
    List<Integer> queryRelations = List.of();

    @Option(names = "--delay", split = ",", defaultValue = "0,1s,5s,30s,-1", paramLabel = "DELAY",
            description = "max_standby_streaming_delay values to sweep: ms, s, or -1 (default ${DEFAULT-VALUE}).")
    List<String> delays;

    @Option(names = "--feedback", defaultValue = "off", paramLabel = "on|off", description = "hot_standby_feedback.")
    String feedback;

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
        if (!feedback.equals("on") && !feedback.equals("off")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--feedback is on or off, not " + feedback);
        }
        List<Long> delayMicros = new ArrayList<>();
        for (String d : delays) {
            delayMicros.add(parseDelay(d));
        }
        PrintWriter o = spec.commandLine().getOut();
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
            queries = SyntheticWorkload.poissonQueries(seed, from, span, queryRate, (long) (querySeconds * 1_000_000), db,
                    queryRelations);
            o.printf(Locale.ROOT, "archive %s: %d WAL records over %.1f s, %d standby queries in database %d, seed %d,"
                    + " hot_standby_feedback %s%n", input.archive, records.size(), span / 1e6, queries.size(), db, seed,
                    feedback);
        } else {
            SyntheticWorkload w = SyntheticWorkload.generate(new SyntheticWorkload.Parameters(seconds * 1_000_000L,
                    commitRate, cleanupRate, lockRate, 200_000, queryRate, (long) (querySeconds * 1_000_000), seed));
            records = w.records;
            receipts = w.receipts;
            queries = w.queries;
            o.printf(Locale.ROOT, "synthetic: %d s, %d WAL records, %d standby queries, seed %d, hot_standby_feedback %s%n",
                    seconds, records.size(), queries.size(), seed, feedback);
        }
        o.printf(Locale.ROOT, "%-8s %9s %9s %9s %7s %7s %9s %10s %10s %10s %10s%n", "delay", "snapshot", "lock",
                "tablespace", "errors", "fatals", "completed", "lag p50", "p95", "p99", "max");
        List<String[]> rows = new ArrayList<>();
        StringBuilder json = new StringBuilder("[\n");
        StringBuilder lagCsv = new StringBuilder("delay,at_s,lag_ms\n");
        List<SvgBarChart.Bar> bars = new ArrayList<>();
        for (int i = 0; i < delayMicros.size(); i++) {
            StandbySettings s = StandbySettings.defaults().withDelay(delayMicros.get(i))
                    .withFeedback(feedback.equals("on")).withApplyCost(applyMicros);
            SimulationResult r = Simulator.run(records, receipts, queries, s, segmentBytes);
            String label = delays.get(i);
            String[] row = {label, Integer.toString(r.cancellations(ConflictType.SNAPSHOT)),
                Integer.toString(r.cancellations(ConflictType.LOCK)), Integer.toString(r.cancellations(ConflictType.TABLESPACE)),
                Integer.toString(r.errors()), Integer.toString(r.fatals()), Integer.toString(r.completed()),
                ms(r.lagPercentile(50)), ms(r.lagPercentile(95)), ms(r.lagPercentile(99)), ms(r.lagPercentile(100))};
            rows.add(row);
            o.printf(Locale.ROOT, "%-8s %9s %9s %9s %7s %7s %9s %10s %10s %10s %10s%n", (Object[]) row);
            json.append(String.format(Locale.ROOT, "  {\"delay\": \"%s\", \"confl_snapshot\": %s, \"confl_lock\": %s, "
                    + "\"confl_tablespace\": %s, \"errors\": %s, \"fatals\": %s, \"completed\": %s, \"queries\": %d, "
                    + "\"lag_ms\": {\"p50\": %s, \"p95\": %s, \"p99\": %s, \"max\": %s}, \"conflict_events\": %d}%s%n",
                    label, row[1], row[2], row[3], row[4], row[5], row[6], queries.size(), row[7], row[8], row[9],
                    row[10], r.events().size(), i + 1 < delayMicros.size() ? "," : ""));
            for (SimulationResult.LagSample l : r.lag()) {
                lagCsv.append(label).append(',').append(String.format(Locale.ROOT, "%.3f", l.atMicros() / 1e6)).append(',')
                        .append(ms(l.lagMicros())).append('\n');
            }
            bars.add(new SvgBarChart.Bar("delay " + label, r.errors() + r.fatals(), Double.NaN, Double.NaN));
        }
        o.println("(lag in ms: replay time of each commit minus its receipt; cancellations as pg_stat_database_conflicts counts them)");
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("results.json"), json.append("]\n"));
            StringBuilder csv = new StringBuilder("delay,confl_snapshot,confl_lock,confl_tablespace,errors,fatals,completed,"
                    + "lag_p50_ms,lag_p95_ms,lag_p99_ms,lag_max_ms\n");
            rows.forEach(r -> csv.append(String.join(",", r)).append('\n'));
            Files.writeString(out.resolve("results.csv"), csv);
            Files.writeString(out.resolve("lag.csv"), lagCsv);
            SvgBarChart.write(out.resolve("cancellations.svg"), "Cancelled standby queries by max_standby_streaming_delay",
                    "queries cancelled (ERROR + FATAL) of " + queries.size(), bars);
            o.println("wrote " + out.resolve("results.json") + ", results.csv, lag.csv, cancellations.svg");
        }
        o.flush();
        return 0;
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
