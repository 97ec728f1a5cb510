package io.walstream.protocol.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.TimelineHistory;
import io.walstream.protocol.TimelineHistoryException;
import io.walstream.protocol.message.backend.DataRow;
import io.walstream.protocol.message.backend.RowDescription;
import io.walstream.protocol.message.backend.RowDescription.Field;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

final class ReplicationResultsTest {

    private static final int TEXT = 25;
    private static final int INT8 = 20;

    private static RowDescription columns(Object... nameAndType) {
        Field[] fields = new Field[nameAndType.length / 2];
        for (int i = 0; i < fields.length; i++) {
            fields[i] = new Field((String) nameAndType[2 * i], 0, 0, (Integer) nameAndType[2 * i + 1], -1, -1, 0);
        }
        return new RowDescription(Arrays.asList(fields));
    }

    private static DataRow row(String... values) {
        byte[][] columns = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            columns[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        return new DataRow(columns);
    }

    private static final RowDescription IDENTIFY_SYSTEM = columns("systemid", TEXT, "timeline", INT8, "xlogpos", TEXT, "dbname", TEXT);

    @Test
    void identifySystem() {
        QueryResult result = new QueryResult("IDENTIFY_SYSTEM", IDENTIFY_SYSTEM, List.of(row("7312345678901234567", "3", "0/3000158", null)));
        IdentifySystem system = IdentifySystem.from(result);
        assertThat(system).isEqualTo(new IdentifySystem(7312345678901234567L, 3, Lsn.parse("0/3000158"), null));
        assertThat(system.systemIdString()).isEqualTo("7312345678901234567");
    }

    @Test
    void systemIdAboveLongMaxIsKeptUnsigned() {
        QueryResult result = new QueryResult("IDENTIFY_SYSTEM", IDENTIFY_SYSTEM, List.of(row("18446744073709551615", "1", "16/B374D848", "db")));
        IdentifySystem system = IdentifySystem.from(result);
        assertThat(system.systemId()).isEqualTo(-1L);
        assertThat(system.systemIdString()).isEqualTo("18446744073709551615");
        assertThat(system.xlogPos().value()).isEqualTo(0x16B374D848L);
        assertThat(system.dbName()).isEqualTo("db");
        assertThat(system.toString()).contains("systemId=18446744073709551615");
    }

    @Test
    void columnsAreFoundByNameNotPosition() {
        RowDescription shuffled = columns("xlogpos", TEXT, "dbname", TEXT, "timeline", INT8, "systemid", TEXT);
        QueryResult result = new QueryResult("IDENTIFY_SYSTEM", shuffled, List.of(row("0/10", null, "2", "42")));
        assertThat(IdentifySystem.from(result)).isEqualTo(new IdentifySystem(42, 2, Lsn.of(0x10), null));
    }

    @Test
    void missingColumnIsATypedError() {
        RowDescription old = columns("systemid", TEXT, "timeline", INT8, "dbname", TEXT);
        QueryResult result = new QueryResult("IDENTIFY_SYSTEM", old, List.of(row("1", "1", null)));
        assertThatThrownBy(() -> IdentifySystem.from(result))
            .isInstanceOf(UnexpectedResultException.class)
            .hasMessage("IDENTIFY_SYSTEM result has no column \"xlogpos\" (columns: [systemid, timeline, dbname])");
    }

    @Test
    void malformedValuesAreTypedErrors() {
        assertThatThrownBy(() -> IdentifySystem.from(new QueryResult("IDENTIFY_SYSTEM", IDENTIFY_SYSTEM, List.of(row("-1", "1", "0/1", null)))))
            .isInstanceOf(UnexpectedResultException.class).hasMessage("IDENTIFY_SYSTEM result: invalid systemid \"-1\"");
        assertThatThrownBy(() -> IdentifySystem.from(new QueryResult("IDENTIFY_SYSTEM", IDENTIFY_SYSTEM, List.of(row("1", "0", "0/1", null)))))
            .isInstanceOf(UnexpectedResultException.class).hasMessageContaining("invalid timeline \"0\"");
        assertThatThrownBy(() -> IdentifySystem.from(new QueryResult("IDENTIFY_SYSTEM", IDENTIFY_SYSTEM, List.of(row("1", "1", "nope", null)))))
            .isInstanceOf(UnexpectedResultException.class).hasMessageContaining("column \"xlogpos\": invalid LSN: \"nope\"");
        assertThatThrownBy(() -> IdentifySystem.from(new QueryResult("IDENTIFY_SYSTEM", IDENTIFY_SYSTEM, List.of())))
            .isInstanceOf(UnexpectedResultException.class).hasMessage("IDENTIFY_SYSTEM result: 0 rows (expected: 1)");
        assertThatThrownBy(() -> new QueryResult("IDENTIFY_SYSTEM", IDENTIFY_SYSTEM, List.of(row("1"))))
            .isInstanceOf(UnexpectedResultException.class).hasMessage("IDENTIFY_SYSTEM result: a row has 1 columns (expected: 4)");
    }

    @Test
    void createdSlot() {
        RowDescription description = columns("slot_name", TEXT, "consistent_point", TEXT, "snapshot_name", TEXT, "output_plugin", TEXT);
        QueryResult result = new QueryResult("CREATE_REPLICATION_SLOT", description, List.of(row("My\"Slot", "0/3000060", null, null)));
        assertThat(CreatedSlot.from(result)).isEqualTo(new CreatedSlot("My\"Slot", Lsn.parse("0/3000060")));
    }

    @Test
    void readReplicationSlot() {
        RowDescription description = columns("slot_type", TEXT, "restart_lsn", TEXT, "restart_tli", INT8);
        assertThat(ReplicationSlotInfo.from(new QueryResult("READ_REPLICATION_SLOT", description, List.of(row("physical", "0/3000028", "1")))))
            .contains(new ReplicationSlotInfo("physical", Lsn.parse("0/3000028"), 1));
        assertThat(ReplicationSlotInfo.from(new QueryResult("READ_REPLICATION_SLOT", description, List.of(row("physical", null, null)))))
            .contains(new ReplicationSlotInfo("physical", null, 0));
        assertThat(ReplicationSlotInfo.from(new QueryResult("READ_REPLICATION_SLOT", description, List.of(row(null, null, null)))))
            .as("all NULL: the slot does not exist").isEmpty();
    }

    @Test
    void timelineHistoryFile() {
        byte[] content = "1\t0/3000158\tno recovery target specified\n".getBytes(StandardCharsets.US_ASCII);
        RowDescription description = columns("filename", TEXT, "content", 17);
        QueryResult result = new QueryResult("TIMELINE_HISTORY", description, List.of(new DataRow("00000002.history".getBytes(StandardCharsets.US_ASCII), content)));
        TimelineHistoryFile file = TimelineHistoryFile.from(result);
        assertThat(file.fileName()).isEqualTo("00000002.history");
        assertThat(file.content()).isEqualTo(content);
        assertThat(file.timeline()).isEqualTo(2);
        assertThat(file.history().entries()).containsExactly(new TimelineHistory.Entry(1, Lsn.parse("0/3000158"), "no recovery target specified"));
        assertThat(file).isEqualTo(new TimelineHistoryFile("00000002.history", content));
    }

    @Test
    void timelineHistoryFileRefusesOddNamesAndContent() {
        RowDescription description = columns("filename", TEXT, "content", 17);
        assertThatThrownBy(() -> TimelineHistoryFile.from(new QueryResult("TIMELINE_HISTORY", description, List.of(row("../x.history", "")))))
            .isInstanceOf(UnexpectedResultException.class).hasMessageContaining("file name \"../x.history\"");
        TimelineHistoryFile bad = new TimelineHistoryFile("00000002.history", "2\t0/1\tx\n".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(bad::history).isInstanceOf(TimelineHistoryException.class);
    }

    @Test
    void nextTimeline() {
        RowDescription description = columns("next_tli", INT8, "next_tli_startpos", TEXT);
        assertThat(NextTimeline.from(new QueryResult("START_REPLICATION", description, List.of(row("3", "0/5000000")))))
            .isEqualTo(new NextTimeline(3, Lsn.parse("0/5000000")));
        assertThatThrownBy(() -> NextTimeline.from(new QueryResult("START_REPLICATION", description, List.of(row(null, "0/5000000")))))
            .isInstanceOf(UnexpectedResultException.class);
    }

    @Test
    void showValue() {
        QueryResult result = new QueryResult("SHOW wal_segment_size", columns("wal_segment_size", TEXT), List.of(row("16MB")));
        assertThat(result.requireText(result.singleRow(), "wal_segment_size")).isEqualTo("16MB");
    }
}
