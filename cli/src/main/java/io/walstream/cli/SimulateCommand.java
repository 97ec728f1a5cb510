package io.walstream.cli;

import io.walstream.pgcluster.Directories;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.SimulationResult;
import io.walstream.replaysim.Simulator;
import io.walstream.replaysim.StandbyClients;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.ApplyCosts;
import io.walstream.replaysim.StandbySettings;
import io.walstream.replaysim.input.QueryTrace;
import io.walstream.replaysim.input.RelationNames;
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
            "Queries: Poisson arrivals (--query-rate), a trace of start times (--queries) or closed-loop clients"
                + " (--clients: each starts its next query when the last ended, a cancelled one again after --retry)."
                + " Relations are pg_class OIDs unless --relations-by says otherwise; a relation that never appears in"
                + " the WAL is warned about.",
            "Deterministic for a seed. With --out: results.json, results.csv, lag.csv, events.csv, cancellations.svg"
                + " and lag.svg (with --validate: validation*.csv, validation-lag-*.svg, standby.log)."
        })
final class SimulateCommand implements Callable<Integer> {

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--synthetic", description = "Generate the WAL and the queries from the rates below.")
        boolean synthetic;

        @Option(names = "--archive", paramLabel = "DIR", description = "Replay the WAL of this walstream archive "
                + "(received with --receipt-log; compressed segments too), or the part --from/--to cut; queries from "
                + "--query-rate/--query-seconds, --queries or --clients, in --query-db, reading --query-rel.")
        Path archive;

        @Option(names = "--validate", description = "Run each --delay (and --feedback) on a real primary and hot "
                + "standby (embedded PostgreSQL) with a write load and queries from --query-rate/--query-seconds, "
                + "archive its WAL with receipt times, simulate the same, and compare per conflict type and lag "
                + "(exit status 3 when a setting misses the target: counts ±15%% or ±2, lag p50/p99 ±20%% or ±100 ms); "
                + "with --clients the readers are closed-loop clients that retry.")
        boolean validate;
    }

    @Option(names = "--workload", defaultValue = "hot-updates", paramLabel = "hot-updates|pgbench", description = "With "
            + "--validate: the primary's load: single-row HOT updates on a 20,000-row table, or pgbench's TPC-B script "
            + "(scale 1; autovacuum with a 1 s naptime, TRUNCATE pgbench_history every --truncate-every; the readers "
            + "read pgbench_branches and, for lock conflicts, pgbench_history) (default ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--truncate-every", defaultValue = "15", paramLabel = "SECONDS", description = "With --validate "
            + "--workload pgbench: TRUNCATE pgbench_history this often (0: never; default ${DEFAULT-VALUE}).")
    double truncateEvery;

    @Option(names = "--write-rate", defaultValue = "200", paramLabel = "PER_SECOND",
            description = "With --validate: primary updates (pgbench: transactions) per second (default ${DEFAULT-VALUE}).")
    double writeRate;

    @Option(names = "--vacuum-every", defaultValue = "5", paramLabel = "SECONDS",
            description = "With --validate: VACUUM on the primary this often (0: never, autovacuum only; default "
                    + "${DEFAULT-VALUE}).")
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
            + "--query-rate: start_s,duration_s[,db[,relations[,in_transaction[,pinned]]]] per line, start in seconds "
            + "from the time origin (--origin); relations and pinned pages (relation:block) separated by ';', "
            + "written as --relations-by says.")
    Path queryTrace;

    @Option(names = "--relations-by", defaultValue = "oid", paramLabel = "oid|relfilenode|name", description = "What the "
            + "relations of --queries, --mix and --query-rel are: pg_class OIDs (what the WAL's locks name), relfilenodes "
            + "(what its cleanup records and so pinned pages name) or names; relfilenode and name need --catalog "
            + "(default ${DEFAULT-VALUE}).")
    String relationsBy;

    @Option(names = "--catalog", paramLabel = "FILE", description = "relname,oid,relfilenode per line, from the primary's "
            + "psql -XAt -F, -c 'SELECT relname, oid, relfilenode FROM pg_class': maps the relations to OIDs and "
            + "relfilenodes (they differ after TRUNCATE or VACUUM FULL).")
    Path catalog;

    @Option(names = "--from", paramLabel = "LSN|TIME|SECONDS", description = "With --archive: replay from this LSN "
            + "(0/3000000), receipt time (ISO-8601, 2026-12-05T02:00:00Z) or seconds after the first receipt; cuts off "
            + "older WAL a new slot kept (default: the first record the receipt log covers).")
    String from;

    @Option(names = "--to", paramLabel = "LSN|TIME|SECONDS", description = "With --archive: replay up to this LSN, "
            + "receipt time or seconds after the first receipt (default: the last record).")
    String to;

    @Option(names = "--origin", paramLabel = "LSN|TIME|SECONDS", description = "Time zero of --queries, lag.csv, "
            + "events.csv and lag.svg: the receipt of an LSN, a time, or seconds after the first receipt (default: the "
            + "first receipt of the window; printed).")
    String origin;

    @Option(names = "--clients", defaultValue = "0", paramLabel = "N", description = "Closed-loop standby clients "
            + "instead of --query-rate: each runs one query at a time, durations from --query-seconds and "
            + "--query-durations, kinds from --mix; after a cancellation it does what --retry says (default "
            + "${DEFAULT-VALUE}: none).")
    int clients;

    @Option(names = "--mix", paramLabel = "FILE", description = "With --clients: the kinds of query, "
            + "weight[,db[,relations[,in_transaction[,pinned]]]] per line, as --queries without start and duration "
            + "(default: one kind, reading --query-rel outside a transaction block).")
    Path mix;

    @Option(names = "--query-durations", defaultValue = "exponential", paramLabel = "exponential|fixed",
            description = "With --clients: query durations around --query-seconds (default ${DEFAULT-VALUE}).")
    String queryDurations;

    @Option(names = "--retry", defaultValue = "at-once", paramLabel = "at-once|backoff|none", description = "With "
            + "--clients, after a cancellation: the same query again after --retry-delay, after --retry-delay "
            + "doubling per cancellation in a row up to --retry-max, or the next query after --think (default "
            + "${DEFAULT-VALUE}, as applications that retry SQLSTATE 40001 do).")
    String retry;

    @Option(names = "--retry-delay", defaultValue = "1ms", paramLabel = "DELAY",
            description = "With --clients: the first retry's delay (default ${DEFAULT-VALUE}: a round trip).")
    String retryDelay;

    @Option(names = "--retry-max", defaultValue = "1s", paramLabel = "DELAY",
            description = "With --retry backoff: the longest delay (default ${DEFAULT-VALUE}).")
    String retryMax;

    @Option(names = "--think", defaultValue = "0", paramLabel = "DELAY",
            description = "With --clients: pause after a completed query (default ${DEFAULT-VALUE}).")
    String think;

    @Option(names = "--query-db", paramLabel = "OID", description = "With --archive: the database queries run in "
            + "(default: the one with the most cleanup records).")
    Integer queryDb;

    @Option(names = "--query-rel", paramLabel = "REL", split = ",", description = "Relations the Poisson queries and "
            + "--clients read, as --relations-by says (for lock conflicts; default none).")
    List<String> queryRelations = List.of();

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

    @Option(names = "--apply-us", defaultValue = "5", paramLabel = "MICROS|RMGR=MICROS,...", description = "The standby's "
            + "startup process time per record, in microseconds: one number, or per resource manager with other= for "
            + "the rest (Heap=7.5,Btree=9,Transaction=3,other=3; --validate --calibrate prints the machine's) (default "
            + "${DEFAULT-VALUE}).")
    String applyMicros;

    @Option(names = "--cancel-cost-us", defaultValue = "5300", paramLabel = "MICROS", description = "What one "
            + "cancellation costs the startup process: it signals the victim and sleeps 5 ms, again while the victim "
            + "has not ended; 5.3 ms measured on PostgreSQL 17 (default ${DEFAULT-VALUE}).")
    long cancelCostMicros;

    @Option(names = "--calibrate", description = "With --validate: measure the apply cost per record by resource "
            + "manager on the pair first (replay paused, a burst of WAL, replay resumed and timed) and the cancellation "
            + "cost from the standby's log afterwards, and simulate with those instead of --apply-us and "
            + "--cancel-cost-us.")
    boolean calibrate;

    @Option(names = "--progress-interval", defaultValue = "10s", paramLabel = "DELAY", description = "The standby's "
            + "log_startup_progress_interval: its startup process's progress timer, armed before redo and left running "
            + "in standby mode, cuts a conflict wait's poll sleep short this often, so the 1 s polls that follow come "
            + "later; 0 for none (default ${DEFAULT-VALUE}).")
    String progressInterval;

    @Option(names = "--redo-started", paramLabel = "SECONDS", description = "When the standby's redo started (its "
            + "log's \"redo starts at\" line), in seconds after the time origin (negative: before): the progress "
            + "timer ticks from then (default: at the first receipt; --validate reads the real standby's log).")
    Double redoStarted;

    @Option(names = "--deadlock-timeout", defaultValue = "1s", paramLabel = "DELAY", description = "The standby's "
            + "deadlock_timeout: when a buffer-pin wait cancels a pin holder that waits for a lock replay holds "
            + "(default ${DEFAULT-VALUE}).")
    String deadlockTimeout;

    @Option(names = "--feedback-since", paramLabel = "SECONDS", description = "With --feedback on: the primary has "
            + "the standby's xmin from this many seconds after the time origin, with --validate after each scenario's "
            + "start (default: one wal_receiver_status_interval, 10 s, after the first receipt).")
    Double feedbackSince;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the random queries and synthetic WAL; a seed gives the same result (default "
                    + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Write results.json, results.csv, lag.csv (delay, each "
            + "commit's LSN, time from the origin, lag), events.csv (each conflict: LSN, kind, wait, victims' query ids), "
            + "cancellations.svg and lag.svg into DIR; with --validate validation.csv, validation-lag.csv, "
            + "validation-events.csv, validation-queries.csv, validation-lag-DELAY-FEEDBACK.svg and standby.log.")
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
        if (input.archive == null && (from != null || to != null || origin != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from, --to and --origin cut an --archive");
        }
        SweepInput in;
        try {
            SweepInput.Queries queries = new SweepInput.Queries(queryTrace, queryDb, queryRelations, relationNames(),
                    queryRate, querySeconds, seed, clientOptions());
            in = input.archive != null ? SweepInput.archive(input.archive, queries,
                            new SweepInput.Window(from, to, origin))
                    : SweepInput.synthetic(seconds, commitRate, cleanupRate, lockRate, queries);
        } catch (QueryTrace.MalformedTraceException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), (e.file().equals(mix) ? "--mix: " : "--queries: ")
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        in.warnings().forEach(w -> err.println("warning: " + w));
        err.flush();
        DelaySweep.run(in, sweep, settings(in.originMicros()), o, out);
        return 0;
    }

    /**
     * The standby's settings besides the delay: feedback, apply and cancel costs, deadlock_timeout, the progress timer,
     * feedback's start.
     */
    StandbySettings settings(long originMicros) {
        StandbySettings s = modelSettings().withFeedback(feedbacks.get(0).equals("on"));
        if (redoStarted != null) {
            s = s.withProgressTimer(s.progressTimerMicros(), originMicros + Math.round(redoStarted * 1e6));
        }
        return feedbackSince == null ? s : s.withFeedbackSince(originMicros + Math.round(feedbackSince * 1e6));
    }

    /** What every run takes from the options whatever its time origin: costs, deadlock_timeout, the progress timer. */
    private StandbySettings modelSettings() {
        ApplyCosts costs;
        try {
            costs = ApplyCosts.parse(applyMicros);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--apply-us: " + e.getMessage());
        }
        return StandbySettings.defaults().withApplyCosts(costs).withCancelCost(cancelCostMicros)
                .withDeadlockTimeout(parseDuration("--deadlock-timeout", deadlockTimeout))
                .withProgressTimer(parseDuration("--progress-interval", progressInterval),
                        StandbySettings.TIMER_FROM_FIRST_RECEIPT);
    }

    private RelationNames relationNames() throws java.io.IOException {
        RelationNames.By by;
        try {
            by = RelationNames.By.parse(relationsBy);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--relations-by: " + e.getMessage());
        }
        List<RelationNames.Entry> entries = catalog == null ? List.of() : RelationNames.readCatalog(catalog);
        try {
            return new RelationNames(by, entries);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--relations-by " + by + ": " + e.getMessage()
                    + ": give --catalog");
        }
    }

    /** {@code --clients} and how they run; null without. */
    SweepInput.Clients clientOptions() {
        if (clients <= 0) {
            if (mix != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--mix is the query mix of --clients");
            }
            return null;
        }
        boolean exponential = switch (queryDurations) {
            case "exponential" -> true;
            case "fixed" -> false;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--query-durations is exponential or fixed, not " + queryDurations);
        };
        long first = parseDuration("--retry-delay", retryDelay);
        long max = parseDuration("--retry-max", retryMax);
        long pause = parseDuration("--think", think);
        StandbyClients.RetryPolicy policy = switch (retry) {
            case "at-once" -> new StandbyClients.RetryPolicy(true, first, 1, first, pause);
            case "backoff" -> new StandbyClients.RetryPolicy(true, first, 2, Math.max(first, max), pause);
            case "none" -> new StandbyClients.RetryPolicy(false, first, 1, first, pause);
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--retry is at-once, backoff or none, not " + retry);
        };
        return new SweepInput.Clients(clients, mix, exponential, policy);
    }

    /** A duration of 0 or more: ms, s, or a bare number of milliseconds. */
    private long parseDuration(String option, String value) {
        long micros;
        try {
            micros = parseDelay(value);
        } catch (CommandLine.ParameterException e) {
            micros = -1;
        }
        if (micros < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": not a duration: " + value);
        }
        return micros;
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
                scenarios.add(new ValidationRun.Scenario(d.label(), d.micros(), f.equals("on"), Math.max(0, clients)));
            }
        }
        ValidationRun.Workload load = switch (workload) {
            case "hot-updates" -> ValidationRun.Workload.HOT_UPDATES;
            case "pgbench" -> ValidationRun.Workload.PGBENCH_TPCB;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--workload is hot-updates or pgbench, not " + workload);
        };
        return new ValidationSweep.Options(pgVersion, workDir, new ValidationRun.Load(seconds, writeRate, vacuumEvery,
                lockEvery, queryRate, querySeconds, lockedShare, seed, load, truncateEvery), scenarios, out,
                modelSettings(), feedbackSince, calibrate);
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
