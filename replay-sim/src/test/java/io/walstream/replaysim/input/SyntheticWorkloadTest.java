package io.walstream.replaysim.input;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionEnd;
import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.SimulationResult;
import io.walstream.replaysim.Simulator;
import io.walstream.replaysim.StandbySettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The synthetic primary and standby, and what the model predicts across a delay sweep on them. */
class SyntheticWorkloadTest {

    private static final SyntheticWorkload.Parameters TWO_MINUTES = new SyntheticWorkload.Parameters(
            120_000_000L, 200, 2, 0.05, 200_000, 1, 5_000_000, 7);

    private static SimulationResult run(SyntheticWorkload w, StandbySettings s) {
        return Simulator.run(w.records, w.receipts, w.queries, s, 16L << 20);
    }

    @Test
    void theSameSeedGivesTheSameWalAndQueries() {
        SyntheticWorkload a = SyntheticWorkload.generate(TWO_MINUTES);
        SyntheticWorkload b = SyntheticWorkload.generate(TWO_MINUTES);
        assertThat(a.records).hasSameSizeAs(b.records);
        assertThat(a.queries).isEqualTo(b.queries);
        assertThat(a.receipts).isEqualTo(b.receipts);
        assertThat(run(a, StandbySettings.defaults().withDelay(1_000_000))).isEqualTo(
                run(b, StandbySettings.defaults().withDelay(1_000_000)));
    }

    @Test
    void xidsAreAssignedInTimeOrderAndReceiptsCoverTheWal() {
        SyntheticWorkload w = SyntheticWorkload.generate(TWO_MINUTES);
        int last = 0;
        for (ReplayRecord r : w.records) {
            if (r.decoded() instanceof TransactionEnd x) {
                assertThat(x.xid()).isPositive();
            }
            if (r.xid() != 0 && !(r.decoded() instanceof TransactionEnd)) {
                assertThat(r.xid()).as("a new transaction's xid").isGreaterThan(last);
                last = r.xid();
            }
        }
        for (int i = 1; i < w.receipts.size(); i++) {
            assertThat(w.receipts.get(i).dataStart()).isEqualTo(w.receipts.get(i - 1).dataEnd());
            assertThat(w.receipts.get(i).receivedMicros()).isGreaterThanOrEqualTo(w.receipts.get(i - 1).receivedMicros());
        }
    }

    @Test
    void longerDelaysCancelFewerQueriesAndLetReplayFallFurtherBehind() {
        SyntheticWorkload w = SyntheticWorkload.generate(TWO_MINUTES);
        List<SimulationResult> sweep = List.of(0L, 1_000_000L, 5_000_000L, 30_000_000L, StandbySettings.WAIT_FOREVER)
                .stream().map(d -> run(w, StandbySettings.defaults().withDelay(d))).toList();

        for (int i = 1; i < sweep.size(); i++) {
            assertThat(sweep.get(i).errors()).isLessThanOrEqualTo(sweep.get(i - 1).errors());
            assertThat(sweep.get(i).lagPercentile(99)).isGreaterThanOrEqualTo(sweep.get(i - 1).lagPercentile(99));
        }
        assertThat(sweep.get(0).cancellations(ConflictType.SNAPSHOT)).as("delay 0: most queries")
                .isGreaterThan(w.queries.size() / 2);
        assertThat(sweep.get(4).errors()).as("delay -1 never cancels").isZero();
        assertThat(sweep.get(4).completed()).isEqualTo(w.queries.size());
        for (SimulationResult r : sweep) {
            assertThat(r.errors() + r.fatals() + r.completed()).isEqualTo(w.queries.size());
        }
    }

    @Test
    void feedbackRemovesSnapshotConflictsForQueriesOlderThanAStatusIntervalButNotLockConflicts() {
        SyntheticWorkload w = SyntheticWorkload.generate(TWO_MINUTES);
        StandbySettings zero = StandbySettings.defaults().withDelay(0);
        SimulationResult off = run(w, zero);
        SimulationResult on = run(w, zero.withFeedback(true));
        assertThat(on.cancellations(ConflictType.SNAPSHOT)).isLessThan(off.cancellations(ConflictType.SNAPSHOT));
        assertThat(on.cancellations(ConflictType.LOCK)).isPositive();
    }
}
