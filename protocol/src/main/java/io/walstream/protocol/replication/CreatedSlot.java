package io.walstream.protocol.replication;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.DataRow;
import java.util.Objects;

/** The CREATE_REPLICATION_SLOT row; {@code consistentPoint} is 0/0 for a physical slot created without RESERVE_WAL. */
public record CreatedSlot(String slotName, Lsn consistentPoint) {

    public CreatedSlot {
        Objects.requireNonNull(slotName, "slotName");
        Objects.requireNonNull(consistentPoint, "consistentPoint");
    }

    public static CreatedSlot from(QueryResult result) {
        DataRow row = result.singleRow();
        Lsn consistentPoint = result.lsn(row, "consistent_point");
        return new CreatedSlot(result.requireText(row, "slot_name"), consistentPoint == null ? Lsn.INVALID : consistentPoint);
    }
}
