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
import io.walstream.replaysim.input.QueryTrace;
import io.walstream.replaysim.sweep.DelaySweep;
import io.walstream.replaysim.sweep.SweepInput;
import io.walstream.replaysim.validate.ValidationRun;
import io.walstream.replaysim.validate.ValidationSweep;
import java.io.PrintWriter;
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
            "Model a hot standby replaying WAL while read-only queries run on it, for each max_standby_streaming_delay"
                + " in --delay.",
            "Reports recovery-conflict cancellations per pg_stat_database_conflicts column, ERROR/FATAL, completed"
                + " queries and replay-lag percentiles. Input: --synthetic (a primary and a standby described by rates),"
                + " --archive DIR (WAL and receipt times that `walstream receive --receipt-log` archived) with"
                + " synthetic queries, or --validate (a real primary and standby, compared with the model).",
            "Deterministic for a seed. With --out: results.json, results.csv, lag.csv, events.csv, cancellations.svg"
                + " and lag.svg."
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

    @Option(names = "--write-rate", defaultValue = "200", paramLabel = "PER_SECOND",
            description = "With --validate: primary updates per second (default ${DEFAULT-VALUE}).")
    double writeRate;

    @Option(names = "--vacuum-every", defaultValue = "5", paramLabel = "SECONDS",
            description = "With --validate: VACUUM on the primary this often (0: never; default ${DEFAULT-VALUE}).")
    double vacuumEvery;

    @Option(names = "--lock-every", defaultValue = "10", paramLabel = "SECONDS",
            description = "With --validate: LOCK TABLE on the primary this often (0: never; default ${DEFAULT-VALUE}).")
    double lockEvery;

    @Option(names = "--locked-share", defaultValue = "0.2", paramLabel = "FRACTION",
            description = "With --validate: share of the queries that read the table the primary locks (default "
                    + "${DEFAULT-VALUE}).")
    double lockedShare;

    @Option(names = "--pg-version", defaultValue = "0", paramLabel = "N", description = "With --validate: PostgreSQL major "
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
            description = "hot_standby_feedback (default ${DEFAULT-VALUE}); with --validate a list (off,on) runs each "
                    + "delay with each.")
    List<String> feedbacks;

    @Option(names = "--seconds", defaultValue = "300", paramLabel = "SECONDS",
            description = "Length of the run: simulated, or with --validate the real load (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--commit-rate", defaultValue = "200", paramLabel = "PER_SECOND",
            description = "With --synthetic: primary commits per second (default ${DEFAULT-VALUE}).")
    double commitRate;

    @Option(names = "--cleanup-rate", defaultValue = "2", paramLabel = "PER_SECOND",
            description = "With --synthetic: cleanup (prune/vacuum) records per second (default ${DEFAULT-VALUE}).")
    double cleanupRate;

    @Option(names = "--lock-rate", defaultValue = "0.01", paramLabel = "PER_SECOND",
            description = "With --synthetic: lock-taking DDL per second (default ${DEFAULT-VALUE}).")
    double lockRate;

    @Option(names = "--query-rate", defaultValue = "1", paramLabel = "PER_SECOND",
            description = "Standby queries per second, Poisson arrivals (default ${DEFAULT-VALUE}).")
    double queryRate;

    @Option(names = "--query-seconds", defaultValue = "5", paramLabel = "SECONDS",
            description = "Mean query duration, exponentially distributed (default ${DEFAULT-VALUE}).")
    double querySeconds;

    @Option(names = "--apply-us", defaultValue = "5", paramLabel = "MICROS",
            description = "The standby's startup process time per record, in microseconds (default ${DEFAULT-VALUE}).")
    long applyMicros;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the random queries and synthetic WAL; a seed gives the same result (default "
                    + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Write results.json, results.csv, lag.csv, events.csv, cancellations.svg and lag.svg "
            + "into DIR.")
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
        List<DelaySweep.Delay> sweep = delays();
        PrintWriter o = spec.commandLine().getOut();
        if (input.validate) {
            return ValidationSweep.run(validationOptions(sweep), o) ? 0 : 3;
        }
        if (feedbacks.size() != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--feedback takes one value without --validate");
        }
        SweepInput in;
        SweepInput.Queries queries = new SweepInput.Queries(queryTrace, queryDb, queryRelations, queryRate,
                querySeconds, seed);
        try {
            in = input.archive != null ? SweepInput.archive(input.archive, queries)
                    : SweepInput.synthetic(seconds, commitRate, cleanupRate, lockRate, queries);
        } catch (QueryTrace.MalformedTraceException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--queries: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        DelaySweep.run(in, sweep, feedbacks.get(0).equals("on"), applyMicros, o, out);
        return 0;
    }

    /** {@code --delay} as the sweep takes it, each value also in microseconds. */
    List<DelaySweep.Delay> delays() {
        List<DelaySweep.Delay> sweep = new ArrayList<>();
        for (String d : delays) {
            sweep.add(new DelaySweep.Delay(d, parseDelay(d)));
        }
        return sweep;
    }

    /** {@code --validate}'s options: each delay with each {@code --feedback}, in that order. */
    ValidationSweep.Options validationOptions(List<DelaySweep.Delay> sweep) {
        List<ValidationRun.Scenario> scenarios = new ArrayList<>();
        for (String f : feedbacks) {
            for (DelaySweep.Delay d : sweep) {
                scenarios.add(new ValidationRun.Scenario(d.label(), d.micros(), f.equals("on")));
            }
        }
        return new ValidationSweep.Options(pgVersion, workDir, new ValidationRun.Load(seconds, writeRate, vacuumEvery,
                lockEvery, queryRate, querySeconds, lockedShare, seed), scenarios, out);
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
