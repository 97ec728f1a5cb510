package io.walstream.replaysim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.wal.RmgrId;
import io.walstream.protocol.wal.conflict.ConflictRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApplyCostsTest {

    @Test
    void oneNumberOrOnePerResourceManagerWithOtherForTheRest() {
        assertThat(ApplyCosts.parse("5")).isEqualTo(ApplyCosts.uniform(5));
        assertThat(ApplyCosts.parse("2.75")).isEqualTo(new ApplyCosts(2_750, Map.of()));
        ApplyCosts costs = ApplyCosts.parse("Heap=7.5, Btree=9,Transaction=3.25,other=3");
        assertThat(costs).isEqualTo(new ApplyCosts(3_000, Map.of("Heap", 7_500L, "Btree", 9_000L, "Transaction", 3_250L)));
        assertThat(costs.format()).isEqualTo("Btree=9,Heap=7.5,Transaction=3.25,other=3");
        assertThat(ApplyCosts.parse(costs.format())).isEqualTo(costs);
        assertThat(ApplyCosts.uniform(5).format()).isEqualTo("5");
        ApplyCosts perKiB = ApplyCosts.parse("Heap=0.5,other=2.5,KiB=4");
        assertThat(perKiB).isEqualTo(new ApplyCosts(2_500, Map.of("Heap", 500L), 4_000));
        assertThat(perKiB.format()).isEqualTo("Heap=0.5,other=2.5,KiB=4");
        // two heap records taken together, 2 KiB of WAL: 2 x 0.5 + 2 x 4 us
        assertThat(perKiB.nanosOf(new ReplayRecord(new ConflictRecord.Other(0, RmgrId.HEAP.id(), 0), 2048, 0, 2)))
                .isEqualTo(9_000);
        assertThatThrownBy(() -> ApplyCosts.parse("Heap=7")).hasMessageContaining("other=");
        assertThatThrownBy(() -> ApplyCosts.parse("fast")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> ApplyCosts.parse("-1")).hasMessageContaining("0 or more");
    }

    @Test
    void aRecordCostsWhatItsResourceManagerCosts() {
        ApplyCosts costs = new ApplyCosts(1_000, Map.of("Heap", 2_000L, "Heap2", 3_000L, "Transaction", 4_000L,
                "Standby", 5_000L));
        assertThat(costs.nanosOf(new ConflictRecord.Other(0, RmgrId.HEAP.id(), 0))).isEqualTo(2_000);
        assertThat(costs.nanosOf(new ConflictRecord.Other(0, RmgrId.BTREE.id(), 0))).isEqualTo(1_000);
        assertThat(costs.nanosOf(new ConflictRecord.SnapshotConflict(0, ConflictRecord.CleanupKind.HEAP2_PRUNE, null, 0,
                5, 5, false, true))).isEqualTo(3_000);
        assertThat(costs.nanosOf(new ConflictRecord.TransactionEnd(0,
                ConflictRecord.TransactionOutcome.COMMIT, 7, 0, List.of(), false))).isEqualTo(4_000);
        assertThat(costs.nanosOf(new ConflictRecord.StandbyLocks(0, List.of()))).isEqualTo(5_000);
    }
}
