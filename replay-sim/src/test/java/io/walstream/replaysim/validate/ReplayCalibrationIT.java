package io.walstream.replaysim.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.ApplyCosts;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate --validate --calibrate} on a real pair: each burst is written on the primary, replayed by the standby
 * after a pause, and counted by pg_walinspect as the kind of WAL it was meant to be; the costs come out of them; the
 * standby's log has the redo start the progress timer ticks from. No timing is asserted: the costs are this machine's.
 */
@ExtendWith(PgClusterExtension.class)
class ReplayCalibrationIT {

    @Test
    void burstsOfOneKindOfWalAreReplayedAndCountedAndGiveTheCosts(@TempDir Path dir) throws Exception {
        ValidationRun.Load load = new ValidationRun.Load(8, 200, 5, 3, 1, 2, 0.3, 1);
        try (ValidationRun run = ValidationRun.start(0, dir.resolve("archive"))) {
            ReplayCalibration.Result r = run.calibrate(load);
            String table = r.describe();
            List<ReplayCalibration.Burst> b = r.bursts();
            assertThat(b).extracting(ReplayCalibration.Burst::name).containsExactly("commits", "heap inserts",
                    "btree inserts", "full pages", "hot updates", "workload");
            assertThat(b.get(0).count("Transaction")).as(table).isGreaterThanOrEqualTo(20_000);
            assertThat(b.get(1).count("Heap")).as(table).isGreaterThanOrEqualTo(100_000);
            assertThat(b.get(2).count("Btree")).as(table).isGreaterThanOrEqualTo(50_000);
            // a row or two on each of the table's pages after a checkpoint: mostly full-page images
            assertThat(b.get(3).bytes()).as(table).isGreaterThan(b.get(3).records() * 2_000);
            assertThat(b.get(4).count("Heap")).as(table).isGreaterThanOrEqualTo(20_000);
            assertThat(b.get(5).records()).as(table).isPositive();
            for (ReplayCalibration.Burst burst : b) {
                assertThat(burst.replayMicros()).as(table).isPositive();
            }
            ApplyCosts costs = r.costs();
            assertThat(costs.nanosByRmgr()).containsKeys("Heap", "Heap2", "Btree", "Transaction");
            assertThat(ApplyCosts.parse(costs.format())).isEqualTo(costs);
            assertThat(r.workload().defaultNanos()).isPositive();

            long redo = run.redoStartedMicros();
            assertThat(redo).isBetween(PgEpoch.now(Clock.systemUTC()) - 600_000_000L, PgEpoch.now(Clock.systemUTC()));
        }
    }
}
