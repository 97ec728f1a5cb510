package io.walstream.protocol.replication;

import static io.walstream.protocol.replication.ReplicationCommands.createPhysicalReplicationSlot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.Lsn;
import org.junit.jupiter.api.Test;

final class ReplicationCommandsTest {

    @Test
    void simpleCommands() {
        assertThat(ReplicationCommands.identifySystem()).isEqualTo("IDENTIFY_SYSTEM");
        assertThat(ReplicationCommands.show("wal_segment_size")).isEqualTo("SHOW wal_segment_size");
        assertThat(ReplicationCommands.show("pg_stat.x")).isEqualTo("SHOW pg_stat.x");
        assertThat(ReplicationCommands.timelineHistory(3)).isEqualTo("TIMELINE_HISTORY 3");
        assertThat(ReplicationCommands.timelineHistory(-1)).isEqualTo("TIMELINE_HISTORY 4294967295");
    }

    @Test
    void showRefusesAnythingButAParameterName() {
        assertThatThrownBy(() -> ReplicationCommands.show("x; DROP_REPLICATION_SLOT s")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReplicationCommands.show("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReplicationCommands.timelineHistory(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quotesIdentifiers() {
        assertThat(ReplicationCommands.quoteIdentifier("walstream")).isEqualTo("\"walstream\"");
        assertThat(ReplicationCommands.quoteIdentifier("My\"Slot")).isEqualTo("\"My\"\"Slot\"");
        assertThat(ReplicationCommands.quoteIdentifier("\"")).isEqualTo("\"\"\"\"");
        assertThatThrownBy(() -> ReplicationCommands.quoteIdentifier("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReplicationCommands.quoteIdentifier("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createSlotSyntaxFollowsTheServerVersion() {
        assertThat(createPhysicalReplicationSlot("My\"Slot", false, true, 150000))
            .isEqualTo("CREATE_REPLICATION_SLOT \"My\"\"Slot\" PHYSICAL (RESERVE_WAL)");
        assertThat(createPhysicalReplicationSlot("s", true, true, 180001))
            .isEqualTo("CREATE_REPLICATION_SLOT \"s\" TEMPORARY PHYSICAL (RESERVE_WAL)");
        assertThat(createPhysicalReplicationSlot("s", true, true, 140010))
            .isEqualTo("CREATE_REPLICATION_SLOT \"s\" TEMPORARY PHYSICAL RESERVE_WAL");
        assertThat(createPhysicalReplicationSlot("s", false, true, 90624)).isEqualTo("CREATE_REPLICATION_SLOT \"s\" PHYSICAL RESERVE_WAL");
        assertThat(createPhysicalReplicationSlot("s", false, false, 160000)).isEqualTo("CREATE_REPLICATION_SLOT \"s\" PHYSICAL");
        assertThat(createPhysicalReplicationSlot("s", false, false, 90400)).isEqualTo("CREATE_REPLICATION_SLOT \"s\" PHYSICAL");
    }

    @Test
    void createSlotRefusesWhatOldServersCannotDo() {
        assertThatThrownBy(() -> createPhysicalReplicationSlot("s", true, false, 90624))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("TEMPORARY replication slots need PostgreSQL 10 or later (server_version_num: 90624)");
        assertThatThrownBy(() -> createPhysicalReplicationSlot("s", false, true, 90500))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("RESERVE_WAL needs PostgreSQL 9.6");
    }

    @Test
    void slotCommands() {
        assertThat(ReplicationCommands.readReplicationSlot("My\"Slot")).isEqualTo("READ_REPLICATION_SLOT \"My\"\"Slot\"");
        assertThat(ReplicationCommands.dropReplicationSlot("s", false)).isEqualTo("DROP_REPLICATION_SLOT \"s\"");
        assertThat(ReplicationCommands.dropReplicationSlot("My\"Slot", true)).isEqualTo("DROP_REPLICATION_SLOT \"My\"\"Slot\" WAIT");
    }

    @Test
    void startReplication() {
        assertThat(ReplicationCommands.startPhysicalReplication("My\"Slot", Lsn.parse("16/B3000000"), 2))
            .isEqualTo("START_REPLICATION SLOT \"My\"\"Slot\" PHYSICAL 16/B3000000 TIMELINE 2");
        assertThat(ReplicationCommands.startPhysicalReplication(null, Lsn.parse("0/03000000"), 1))
            .isEqualTo("START_REPLICATION PHYSICAL 0/3000000 TIMELINE 1");
        assertThat(ReplicationCommands.startPhysicalReplication(null, Lsn.INVALID, 0)).isEqualTo("START_REPLICATION PHYSICAL 0/0");
    }
}
