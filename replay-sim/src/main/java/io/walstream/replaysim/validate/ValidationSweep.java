package io.walstream.replaysim.validate;

import io.walstream.pgcluster.Directories;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.SimulationResult;
import io.walstream.replaysim.StandbySettings;
import io.walstream.replaysim.SvgLineChart;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code simulate --validate}: each scenario on a real primary and hot standby ({@link ValidationRun}), then the
 * simulator over what walstream archived meanwhile, side by side: a table per scenario (conflict counts, ERROR/FATAL,
 * lag p50/p99, snapshot xmins, whether the simulator is within the targets) and, with an output directory,
 * {@code validation.csv}, {@code validation-lag.csv}, {@code validation-events.csv}, {@code validation-queries.csv},
 * {@code validation-lag-DELAY-FEEDBACK.svg} and the standby's log.
 */
public final class ValidationSweep {

    /**
     * What to run.
     *
     * @param pgVersion PostgreSQL major of the pair; 0 for pgcluster's default
     * @param workDir   where walstream's archive goes; null for a temporary directory, removed afterwards
     * @param load      the primary's write load and the standby's queries, per scenario
     * @param scenarios the standby settings to run, in order
     * @param out       where the files go; null for none
     * @param model     the simulator's settings besides each scenario's delay and feedback: apply and cancellation
     *                  costs, deadlock_timeout, the progress timer's interval (its phase is the real standby's)
     * @param feedbackSinceSeconds with feedback: protection from this many seconds after each scenario's start; null
     *                  for one status interval after the first receipt
     * @param calibrate measure the apply costs on the pair before the scenarios ({@link ReplayCalibration}: the
     *                  workload's per record is simulated with) and the cancellation cost from the standby's log after
     *                  them, and simulate with those instead of {@code model}'s
     */
    public record Options(int pgVersion, Path workDir, ValidationRun.Load load, List<ValidationRun.Scenario> scenarios,
            Path out, StandbySettings model, Double feedbackSinceSeconds, boolean calibrate) {

        public Options {
            scenarios = List.copyOf(scenarios);
        }

        /** With PostgreSQL's defaults for the simulator, no calibration. */
        public Options(int pgVersion, Path workDir, ValidationRun.Load load, List<ValidationRun.Scenario> scenarios,
                Path out) {
            this(pgVersion, workDir, load, scenarios, out, StandbySettings.defaults(), null, false);
        }
    }

    private ValidationSweep() {
    }

    /** Runs every scenario and prints the comparison to {@code o}: true when each one met the targets. */
    public static boolean run(Options options, PrintWriter o) throws Exception {
        Path workDir = options.workDir();
        Path out = options.out();
        ValidationRun.Load load = options.load();
        Path dir = workDir != null ? workDir : Files.createTempDirectory("walstream-validate-");
        List<ValidationRun.Comparison> comparisons;
        try (ValidationRun run = ValidationRun.start(options.pgVersion(), dir.resolve("archive"), load.workload())) {
            boolean tpcb = load.workload() == ValidationRun.Workload.PGBENCH_TPCB;
            o.printf(Locale.ROOT, "validate: %s%n  per scenario %d s: %.0f %s/s, %s, LOCK TABLE every %.0f s%s;"
                    + " queries %.2f/s (or closed-loop clients), mean %.1f s, %.0f%% on the locked table; seed %d%n",
                    run.describe(), load.seconds(), load.updatesPerSecond(), tpcb ? "pgbench TPC-B transactions"
                            : "updates", load.vacuumEverySeconds() > 0 ? String.format(Locale.ROOT,
                            "VACUUM every %.0f s", load.vacuumEverySeconds()) : "autovacuum (naptime "
                            + (tpcb ? "1 s)" : "60 s)"), load.lockEverySeconds(), tpcb && load.truncateEverySeconds() > 0
                            ? String.format(Locale.ROOT, ", TRUNCATE pgbench_history every %.0f s",
                                    load.truncateEverySeconds()) : "",
                    load.queriesPerSecond(), load.meanQuerySeconds(), load.lockedTableShare() * 100, load.seed());
            o.flush();
            StandbySettings model = options.model();
            if (options.calibrate()) {
                ReplayCalibration.Result calibration = run.calibrate(load);
                o.print(calibration.describe());
                o.flush();
                model = model.withApplyCosts(calibration.workload());
            }
            int index = 0;
            for (ValidationRun.Scenario s : options.scenarios()) {
                run.runScenario(s, load, index++);
                o.printf(Locale.ROOT, "  ran delay %s feedback %s%s%n", s.label(), s.feedback() ? "on" : "off",
                        s.clients() > 0 ? ", " + s.clients() + " closed-loop clients" : "");
                o.flush();
            }
            if (options.calibrate()) {
                long spacing = StandbyLog.meanCancellationSpacingMicros(run.standbyLog());
                if (spacing > 0) {
                    model = model.withCancelCost(spacing);
                }
                o.printf(Locale.ROOT, "calibration: queries cancelled one right after the other were %s ms apart on average"
                        + " (--cancel-cost-us %d)%n", spacing > 0 ? ms(spacing) : "never", model.cancelCostMicros());
            }
            o.printf(Locale.ROOT, "simulator: --apply-us %s --cancel-cost-us %d, the progress timer every %d s from the"
                    + " standby's \"redo starts\"%n", model.applyCosts().format(), model.cancelCostMicros(),
                    model.progressTimerMicros() / 1_000_000);
            comparisons = run.compare(model, options.feedbackSinceSeconds());
            if (out != null) {
                Files.createDirectories(out);
                Files.writeString(out.resolve("standby.log"), run.standbyLog());
            }
        } finally {
            if (workDir == null) {
                Directories.deleteRecursively(dir);
            }
        }
        o.printf(Locale.ROOT, "%-6s %-4s %-7s %7s %17s %17s %13s %13s %21s %21s %11s %-6s %s%n", "delay", "fb",
                "readers", "queries",
                "snapshot real/sim", "lock real/sim", "errors r/s", "fatals r/s", "lag p50/p99 real ms",
                "lag p50/p99 sim ms", "xmin equal", "within", "catch-up after waits, median/mean real | sim ms");
        StringBuilder csv = new StringBuilder("delay,feedback,clients,queries,sim_queries,real_snapshot,sim_snapshot,real_lock,sim_lock,"
                + "real_bufferpin,real_deadlock,readers_snapshot,readers_lock,real_errors,sim_errors,real_fatals,"
                + "sim_fatals,real_completed,sim_completed,commits,real_lag_p50_ms,sim_lag_p50_ms,real_lag_p99_ms,"
                + "sim_lag_p99_ms,real_lag_max_ms,sim_lag_max_ms,xmin_compared,xmin_equal,idle_terminated,counts_within,"
                + "lag_within,within,trace_sim_snapshot,trace_sim_lock,real_waits,sim_waits,real_catchup_median_ms,"
                + "sim_catchup_median_ms,real_catchup_mean_ms,sim_catchup_mean_ms,catchup_within\n");
        boolean all = true;
        for (ValidationRun.Comparison c : comparisons) {
            SimulationResult p = c.predicted();
            int rs = c.real().getOrDefault(ConflictType.SNAPSHOT, 0);
            int rl = c.real().getOrDefault(ConflictType.LOCK, 0);
            boolean within = c.withinTargets();
            all &= within;
            String fb = c.scenario().feedback() ? "on" : "off";
            String readers = c.scenario().clients() > 0 ? c.scenario().clients() + " cl" : "plan";
            CatchUp.Comparison cu = c.catchUp();
            o.printf(Locale.ROOT, "%-6s %-4s %-7s %7s %17s %17s %13s %13s %21s %21s %11s %-6s %s%n", c.scenario().label(),
                    fb, readers, c.queries() + "/" + p.queries().size(), rs + "/" + p.cancellations(ConflictType.SNAPSHOT), rl + "/" + p.cancellations(ConflictType.LOCK),
                    c.realErrors() + "/" + p.errors(), c.realFatals() + "/" + p.fatals(),
                    ms(c.realLag()[0]) + "/" + ms(c.realLag()[1]), ms(c.predictedLag()[0]) + "/" + ms(c.predictedLag()[1]),
                    c.xminEqual() + "/" + c.xminCompared(), within ? "yes" : "NO", cu == null ? "no waits"
                            : String.format(Locale.ROOT, "%s/%s | %s/%s, %d | %d waits%s", ms(cu.realMedian()),
                                    ms(cu.realMean()), ms(cu.simMedian()), ms(cu.simMean()), cu.real(), cu.simulated(),
                                    cu.within() ? "" : " NOT within"));
            if (c.asTrace() != null) {
                o.printf(Locale.ROOT, "%-6s %-4s %-7s %7s %17s %17s   (the same attempts as a trace of start times)%n", "", "",
                        "trace", Integer.toString(c.asTrace().queries().size()),
                        "  /" + c.asTrace().cancellations(ConflictType.SNAPSHOT),
                        "  /" + c.asTrace().cancellations(ConflictType.LOCK));
            }
            csv.append(String.join(",", c.scenario().label(), fb, Integer.toString(c.scenario().clients()),
                    Integer.toString(c.queries()), Integer.toString(p.queries().size()), Integer.toString(rs),
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
                    Integer.toString(c.xminEqual()), Integer.toString(c.idleTerminated()),
                    Boolean.toString(c.countsWithinTargets()), Boolean.toString(c.lagWithinTargets()),
                    Boolean.toString(within), c.asTrace() == null ? "" : Integer.toString(
                            c.asTrace().cancellations(ConflictType.SNAPSHOT)), c.asTrace() == null ? ""
                            : Integer.toString(c.asTrace().cancellations(ConflictType.LOCK)),
                    cu == null ? "" : Integer.toString(cu.real()), cu == null ? "" : Integer.toString(cu.simulated()),
                    cu == null ? "" : ms(cu.realMedian()),
                    cu == null ? "" : ms(cu.simMedian()), cu == null ? "" : ms(cu.realMean()),
                    cu == null ? "" : ms(cu.simMean()), cu == null ? "" : Boolean.toString(cu.within())))
                    .append('\n');
        }
        o.println("(real: the standby's pg_stat_database_conflicts deltas, its readers' outcomes, each commit's replay seen"
                + " by polling pg_last_wal_replay_lsn() every 10 ms minus walstream's receipt time; within: counts ±15% or"
                + " ±2, lag p50/p99 ±20% or ±100 ms; catch-up: after each gap of 0.5 s or more in replay, the time until"
                + " replay had applied what was received by then, median and mean of each side within ±20% or ±10 ms)");
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
                        + (c.scenario().feedback() ? "on" : "off")
                        + (c.scenario().clients() > 0 ? "-" + c.scenario().clients() + "clients" : "") + ".svg"),
                        "Replay lag per commit, " + name,
                        "seconds into the scenario", "lag, ms", List.of(new SvgLineChart.Series("real standby", x, real),
                                new SvgLineChart.Series("simulator", x, simulated)));
            }
            StringBuilder events = new StringBuilder("delay,feedback,clients,lsn,type,at,wait_ms,victims,victim_ids\n");
            for (ValidationRun.Comparison c : comparisons) {
                for (SimulationResult.ConflictEvent e : c.predicted().events()) {
                    events.append(c.scenario().label()).append(',').append(c.scenario().feedback() ? "on" : "off")
                            .append(',').append(c.scenario().clients()).append(',').append(Lsn.of(e.lsn())).append(',').append(e.type())
                            .append(',').append(PgEpoch.toInstant(e.atMicros())).append(',')
                            .append(ms(e.waitMicros())).append(',').append(e.victims().size()).append(',')
                            .append(e.victims().stream().map(String::valueOf).collect(Collectors.joining(";")))
                            .append('\n');
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
                    if (c.scenario().clients() > 0 || q == null) {
                        continue; // closed-loop clients' attempts are not the simulator's: they are counted, not joined
                    }
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
        return all;
    }

    private static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    /** The temporary work directory: walstream's archive and whatever else the run left there. */
}
