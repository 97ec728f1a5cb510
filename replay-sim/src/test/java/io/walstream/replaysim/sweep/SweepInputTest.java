package io.walstream.replaysim.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.Block;
import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.StandbyClients;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.input.RelationNames;
import io.walstream.replaysim.input.SyntheticWorkload;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a sweep's input says about itself: relations that never meet the WAL, windows and time origins. */
class SweepInputTest {

    private static final int TABLE = 16400; // the synthetic workload's table: locked and cleaned under this number

    private static final SyntheticWorkload WAL = SyntheticWorkload.generate(new SyntheticWorkload.Parameters(
            60_000_000L, 50, 2, 0.1, 200_000, 0, 1_000_000, 1));

    private static StandbyQuery reading(int relation, Block... pinned) {
        return new StandbyQuery(1, 0, 1_000_000, SyntheticWorkload.DATABASE, List.of(relation), false, List.of(pinned));
    }

    @Test
    void aRelationThatNeverAppearsInTheWalIsWarnedAbout() {
        assertThat(SweepInput.relationsNotInWal(WAL.records, List.of(reading(TABLE)), null, RelationNames.OIDS)).isEmpty();
        assertThat(SweepInput.relationsNotInWal(WAL.records, List.of(reading(16405)), null, RelationNames.OIDS))
                .singleElement().asString().contains("relation oid 16405 of the queries never appears in the WAL")
                .contains("--relations-by relfilenode with --catalog");
        // a pinned page of a relfilenode no cleanup names: it can never be a buffer-pin conflict
        Block page = new Block(SyntheticWorkload.DATABASE, 16523, 0);
        assertThat(SweepInput.relationsNotInWal(WAL.records, List.of(reading(TABLE, page)), null, RelationNames.OIDS))
                .singleElement().asString().contains("pinned pages of relfilenode 16523 never meet a cleanup record");
        // the clients' mix is checked as the trace is, named from the catalog
        RelationNames names = new RelationNames(RelationNames.By.NAME,
                List.of(new RelationNames.Entry("history", 16410, 16523)));
        StandbyClients clients = new StandbyClients(2, 0, 1, new StandbyClients.QueryMix(1, false, List.of(
                new StandbyClients.QueryKind(1, SyntheticWorkload.DATABASE, List.of(16410), false, List.of()))),
                StandbyClients.RetryPolicy.atOnce(), 1);
        assertThat(SweepInput.relationsNotInWal(WAL.records, List.of(), clients, names)).singleElement().asString()
                .contains("relation history (oid 16410) of the queries never appears");
    }

    private static final List<Receipt> RECEIPTS = List.of(new Receipt(0x1000000, 0x1000100, 5_000_000),
            new Receipt(0x1000100, 0x1000200, 6_000_000), new Receipt(0x1000200, 0x1000300, 8_000_000));

    @Test
    void aWindowBoundIsAnLsnATimeOrSecondsAfterTheFirstReceipt() {
        assertThat(SweepInput.lsnOf("--from", "0/1000180", RECEIPTS, true)).isEqualTo(0x1000180);
        assertThat(SweepInput.lsnOf("--from", "1", RECEIPTS, true)).isEqualTo(0x1000100);
        assertThat(SweepInput.lsnOf("--from", "1.5s", RECEIPTS, true)).isEqualTo(0x1000200);
        assertThat(SweepInput.lsnOf("--to", "2.5", RECEIPTS, false)).isEqualTo(0x1000200);
        String iso = PgEpoch.toInstant(6_000_000).toString();
        assertThat(SweepInput.lsnOf("--to", iso, RECEIPTS, false)).isEqualTo(0x1000200);
        assertThat(SweepInput.timeOf("--origin", iso, RECEIPTS)).isEqualTo(6_000_000);
        // an LSN as an origin: when the message holding it arrived
        assertThat(SweepInput.timeOf("--origin", "0/1000250", RECEIPTS)).isEqualTo(8_000_000);
        assertThat(SweepInput.timeOf("--origin", Instant.parse("2000-01-01T00:00:09Z").toString(), RECEIPTS))
                .isEqualTo(9_000_000);
        assertThatThrownBy(() -> SweepInput.lsnOf("--from", "soon", RECEIPTS, true)).hasMessageStartingWith("--from:");
        assertThatThrownBy(() -> SweepInput.timeOf("--origin", "0/9000000", RECEIPTS))
                .hasMessageContaining("past the end of the receipt log");
    }
}
