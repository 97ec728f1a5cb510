package io.walstream.replaysim.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.replaysim.Block;
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
        assertThatThrownBy(() -> QueryTrace.read(pin, 0, 5)).hasMessageContaining("relfilenumber:block");
        Path empty = Files.writeString(dir.resolve("e.csv"), "# nothing\n");
        assertThatThrownBy(() -> QueryTrace.read(empty, 0, 5)).hasMessageContaining("no query");
    }
}
