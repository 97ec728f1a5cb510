package io.walstream.replaysim.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.replaysim.Block;
import io.walstream.replaysim.StandbyClients;
import io.walstream.replaysim.StandbyQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryTraceTest {

    @Test
    void readsQueriesWithRelationsTransactionsAndPinnedPages(@TempDir Path dir) throws Exception {
        Path trace = Files.writeString(dir.resolve("q.csv"), """
                start_s,duration_s,db,relations,in_transaction,pinned
                # a report, then a cursor left open on page 0 of relation 16400
                0.5,3
                1.25,10,16385,16400;16401,true,16400:0;16400:7
                """);
        List<StandbyQuery> q = QueryTrace.read(trace, 1_000_000, 5);
        assertThat(q).containsExactly(
                new StandbyQuery(1, 1_500_000, 3_000_000, 5, List.of(), false, List.of()),
                new StandbyQuery(2, 2_250_000, 10_000_000, 16385, List.of(16400, 16401), true,
                        List.of(new Block(16385, 16400, 0), new Block(16385, 16400, 7))));
    }

    @Test
    void aMalformedLineIsRefusedWithItsNumber(@TempDir Path dir) throws Exception {
        Path trace = Files.writeString(dir.resolve("q.csv"), "0.5,3\n1,2,x\n");
        assertThatThrownBy(() -> QueryTrace.read(trace, 0, 5)).hasMessageContaining("q.csv:2:")
                .isInstanceOfSatisfying(QueryTrace.MalformedTraceException.class, e -> assertThat(e.line()).isEqualTo(2));
        Path pin = Files.writeString(dir.resolve("p.csv"), "0.5,3,,,false,16400\n");
        assertThatThrownBy(() -> QueryTrace.read(pin, 0, 5)).hasMessageContaining("relation:block")
                .hasMessageContaining("relations by oid");
        Path empty = Files.writeString(dir.resolve("e.csv"), "# nothing\n");
        assertThatThrownBy(() -> QueryTrace.read(empty, 0, 5)).hasMessageContaining("no query");
    }

    private static final List<RelationNames.Entry> CATALOG = List.of(new RelationNames.Entry("accounts", 16400, 16400),
            new RelationNames.Entry("history", 16410, 16523)); // history was truncated: a new relfilenode

    @Test
    void relationsByRelfilenodeOrNameBecomeOidsForLocksAndRelfilenodesForPins(@TempDir Path dir) throws Exception {
        Path byNumber = Files.writeString(dir.resolve("n.csv"), "0,1,5,16523,false,16523:3\n");
        assertThat(QueryTrace.read(byNumber, 0, 5, new RelationNames(RelationNames.By.RELFILENODE, CATALOG)))
                .singleElement().satisfies(q -> {
                    assertThat(q.relations()).containsExactly(16410);
                    assertThat(q.pinnedBlocks()).containsExactly(new Block(5, 16523, 3));
                });
        // by OID with a catalog: the pin follows the relation to its relfilenode
        Path byOid = Files.writeString(dir.resolve("o.csv"), "0,1,5,16410,false,16410:3\n");
        assertThat(QueryTrace.read(byOid, 0, 5, new RelationNames(RelationNames.By.OID, CATALOG))).singleElement()
                .satisfies(q -> {
                    assertThat(q.relations()).containsExactly(16410);
                    assertThat(q.pinnedBlocks()).containsExactly(new Block(5, 16523, 3));
                });
        Path byName = Files.writeString(dir.resolve("m.csv"), "0,1,5,history;accounts,false,history:3\n");
        assertThat(QueryTrace.read(byName, 0, 5, new RelationNames(RelationNames.By.NAME, CATALOG))).singleElement()
                .satisfies(q -> {
                    assertThat(q.relations()).containsExactly(16410, 16400);
                    assertThat(q.pinnedBlocks()).containsExactly(new Block(5, 16523, 3));
                });
        // a relfilenode the catalog does not know is refused, not taken for an OID
        Path unknown = Files.writeString(dir.resolve("u.csv"), "0,1,5,16999\n");
        assertThatThrownBy(() -> QueryTrace.read(unknown, 0, 5, new RelationNames(RelationNames.By.RELFILENODE, CATALOG)))
                .hasMessageContaining("u.csv:1: relation 16999 (by relfilenode) is not in the catalog");
    }

    @Test
    void relationsByRelfilenodeOrNameNeedACatalog(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> new RelationNames(RelationNames.By.NAME, List.of())).hasMessageContaining("need a catalog");
        assertThatThrownBy(() -> RelationNames.By.parse("relid")).hasMessageContaining("oid, relfilenode or name");
        Path catalog = Files.writeString(dir.resolve("c.csv"), "relname,oid,relfilenode\naccounts,16400,16400\n"
                + "history,16410,16523\n");
        assertThat(RelationNames.readCatalog(catalog)).isEqualTo(CATALOG);
        Path bad = Files.writeString(dir.resolve("b.csv"), "accounts,16400\n");
        assertThatThrownBy(() -> RelationNames.readCatalog(bad)).hasMessageContaining("b.csv:1: 3 fields, not 2");
    }

    @Test
    void aMixHasAWeightInPlaceOfStartAndDuration(@TempDir Path dir) throws Exception {
        Path mix = Files.writeString(dir.resolve("mix.csv"), """
                weight,db,relations,in_transaction,pinned
                4,,16400
                1,7,16410,true,16410:0
                """);
        assertThat(QueryTrace.readMix(mix, 5, RelationNames.OIDS)).containsExactly(
                new StandbyClients.QueryKind(4, 5, List.of(16400), false, List.of()),
                new StandbyClients.QueryKind(1, 7, List.of(16410), true, List.of(new Block(7, 16410, 0))));
        Path zero = Files.writeString(dir.resolve("z.csv"), "0,,16400\n");
        assertThatThrownBy(() -> QueryTrace.readMix(zero, 5, RelationNames.OIDS)).hasMessageContaining("z.csv:1:")
                .hasMessageContaining("weight is positive");
    }
}
