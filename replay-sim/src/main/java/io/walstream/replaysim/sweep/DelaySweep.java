package io.walstream.replaysim.sweep;

import io.walstream.protocol.Lsn;
import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.SimulationResult;
import io.walstream.replaysim.Simulator;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.StandbySettings;
import io.walstream.replaysim.SvgBarChart;
import io.walstream.replaysim.SvgLineChart;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code simulate --synthetic} and {@code --archive}: the simulator over one input once per
 * {@code max_standby_streaming_delay}, as a table (cancellations per {@code pg_stat_database_conflicts} column,
 * ERROR/FATAL, completed queries, replay-lag percentiles) and, with an output directory, {@code results.json},
 * {@code results.csv}, {@code lag.csv} (each replayed commit: its end LSN, when, its lag), {@code events.csv} (each
 * conflict: LSN, kind, wait, and the ids of the queries it cancelled), {@code cancellations.svg} and {@code lag.svg}.
 */
public final class DelaySweep {

    /** One delay to try: as it was written (it names the row) and in microseconds, -1 to wait forever. */
    public record Delay(String label, long micros) {
    }

    private DelaySweep() {
    }

    /**
     * Simulates {@code input} at each of {@code delays}, with {@code hot_standby_feedback} as given and
     * {@code applyMicros} of replay per record, the other settings PostgreSQL's defaults.
     */
    public static void run(SweepInput input, List<Delay> delays, boolean feedback, long applyMicros, PrintWriter o,
            Path out) throws IOException {
        run(input, delays, StandbySettings.defaults().withFeedback(feedback).withApplyCost(applyMicros), o, out);
    }

    /**
     * Simulates {@code input} at each of {@code delays}, the other settings from {@code base}; prints to {@code o} and,
     * when {@code out} is not null, writes the files there. Times in the files are seconds from the input's origin.
     */
    public static void run(SweepInput input, List<Delay> delays, StandbySettings base, PrintWriter o, Path out)
            throws IOException {
        List<StandbyQuery> queries = input.queries();
        boolean feedback = base.hotStandbyFeedback();
        long origin = input.originMicros();
        o.printf(Locale.ROOT, "%s, hot_standby_feedback %s%n", input.description(), feedback ? "on" : "off");
        o.printf(Locale.ROOT, "%-8s %9s %9s %9s %7s %7s %9s %10s %10s %10s %10s %9s %8s%n", "delay", "snapshot", "lock",
                "tablespace", "errors", "fatals", "completed", "lag p50", "p95", "p99", "max", "bufferpin", "deadlock");
        List<String[]> rows = new ArrayList<>();
        StringBuilder json = new StringBuilder("[\n");
        StringBuilder lagCsv = new StringBuilder("delay,lsn,at_s,lag_ms\n");
        StringBuilder eventsCsv = new StringBuilder("delay,lsn,type,at_s,wait_ms,victims,victim_ids\n");
        List<SvgBarChart.Bar> bars = new ArrayList<>();
        List<SvgLineChart.Series> lagLines = new ArrayList<>();
        for (int i = 0; i < delays.size(); i++) {
            StandbySettings s = base.withDelay(delays.get(i).micros());
            SimulationResult r = Simulator.run(input.records(), input.receipts(), queries, input.clients(), s,
                    input.segmentBytes());
            String label = delays.get(i).label();
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
                    label, row[1], row[2], row[3], row[4], row[5], row[6], r.queries().size(), row[7], row[8], row[9],
                    row[10], row[11], row[12], r.events().size(), i + 1 < delays.size() ? "," : ""));
            for (SimulationResult.ConflictEvent e : r.events()) {
                eventsCsv.append(label).append(',').append(Lsn.of(e.lsn())).append(',')
                        .append(e.type().column).append(',')
                        .append(String.format(Locale.ROOT, "%.3f", (e.atMicros() - origin) / 1e6)).append(',')
                        .append(ms(e.waitMicros())).append(',').append(e.victims().size()).append(',')
                        .append(e.victims().stream().map(String::valueOf).collect(Collectors.joining(";")))
                        .append('\n');
            }
            for (SimulationResult.LagSample l : r.lag()) {
                lagCsv.append(label).append(',').append(Lsn.of(l.endLsn())).append(',')
                        .append(String.format(Locale.ROOT, "%.3f", (l.atMicros() - origin) / 1e6)).append(',')
                        .append(ms(l.lagMicros())).append('\n');
            }
            bars.add(new SvgBarChart.Bar("delay " + label, r.errors() + r.fatals(), Double.NaN, Double.NaN));
            lagLines.add(lagSeries("delay " + label, r.lag(), origin));
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
                    "seconds from the time origin", "lag, ms", lagLines);
            SvgBarChart.write(out.resolve("cancellations.svg"), "Cancelled standby queries by max_standby_streaming_delay",
                    "queries cancelled (ERROR + FATAL)" + (input.clients() == null ? " of " + queries.size() : ""),
                    bars);
            o.println("wrote " + out.resolve("results.json") + ", results.csv, lag.csv, events.csv, cancellations.svg, lag.svg");
        }
        o.flush();
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
}
