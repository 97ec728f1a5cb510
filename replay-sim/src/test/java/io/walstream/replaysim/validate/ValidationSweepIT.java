package io.walstream.replaysim.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.junit.PgClusterExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate --validate}'s sweep end to end, short: a real primary and hot standby under a write load with
 * queries on the standby, walstream archiving meanwhile, then the simulator over that archive. At delay 0 the real standby
 * cancels queries (snapshot conflicts) and the simulator's count is within the target (±15 % or ±2); at -1 neither
 * cancels any, and replay falls behind in both. Lag percentiles are written, not asserted (a short run's p99 hangs on
 * one or two polls of a second).
 */
@ExtendWith(PgClusterExtension.class)
class ValidationSweepIT {

    @Test
    void realStandbyAndSimulatorAgreeOnConflictCounts(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        Path results = dir.resolve("out");
        // simulate --validate --delay 0,-1 --seconds 15 --query-rate 1 --query-seconds 2 --lock-every 0 --dir DIR
        // --out DIR/out, the other options at their defaults
        ValidationRun.Load load = new ValidationRun.Load(15, 200, 5, 0, 1, 2, 0.2, 1);
        List<ValidationRun.Scenario> scenarios = List.of(new ValidationRun.Scenario("0", 0, false),
                new ValidationRun.Scenario("-1", -1, false));
        ValidationSweep.run(new ValidationSweep.Options(0, dir, load, scenarios, results), new PrintWriter(out, true));
        String text = out.toString(); // whether every target was met is judged by the rows below

        List<String> lines = Files.readAllLines(results.resolve("validation.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        assertThat(lines).hasSize(3);
        Map<String, String> zero = row(header, lines.get(1));
        Map<String, String> never = row(header, lines.get(2));

        assertThat(zero.get("delay")).isEqualTo("0");
        int realSnapshot = Integer.parseInt(zero.get("real_snapshot"));
        int simSnapshot = Integer.parseInt(zero.get("sim_snapshot"));
        assertThat(realSnapshot).as(text).isPositive();
        assertThat(Math.abs(realSnapshot - simSnapshot)).as(text).isLessThanOrEqualTo(Math.max(2, realSnapshot * 15 / 100));
        // the readers saw the same cancellations the statistics counted
        assertThat(Integer.parseInt(zero.get("readers_snapshot"))).isEqualTo(realSnapshot);

        assertThat(never.get("delay")).isEqualTo("-1");
        assertThat(never.get("real_snapshot")).isEqualTo("0");
        assertThat(never.get("sim_snapshot")).isEqualTo("0");
        assertThat(Integer.parseInt(never.get("sim_completed"))).isEqualTo(Integer.parseInt(never.get("queries")));
        assertThat(Integer.parseInt(never.get("commits"))).isPositive();
        // the simulated standby knows the running transactions as the real one does: most snapshots have the same xmin
        int compared = Integer.parseInt(never.get("xmin_compared"));
        assertThat(compared).isPositive();
        assertThat(Integer.parseInt(never.get("xmin_equal"))).as(text).isGreaterThan(compared / 3);

        for (String f : List.of("validation-lag-0-off.svg", "validation-lag--1-off.svg", "validation-lag.csv", "validation-events.csv", "validation-queries.csv", "standby.log")) {
            assertThat(results.resolve(f)).isNotEmptyFile();
        }
        assertThat(Files.readString(results.resolve("standby.log"))).contains("canceling statement due to conflict with recovery");
    }

    private static Map<String, String> row(List<String> header, String line) {
        String[] v = line.split(",");
        return IntStream.range(0, header.size()).boxed().collect(Collectors.toMap(header::get, i -> v[i]));
    }
}
