package io.walstream.protocol.replication;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.DataRow;
import java.util.Objects;
import java.util.Optional;

/**
 * The READ_REPLICATION_SLOT row of an existing slot. {@code restartLsn} is null and {@code restartTimeline} 0 while
 * the slot reserves no WAL yet (created without RESERVE_WAL and never streamed from).
 */
public record ReplicationSlotInfo(String slotType, Lsn restartLsn, int restartTimeline) {

    public ReplicationSlotInfo {
        Objects.requireNonNull(slotType, "slotType");
    }

    /** Empty when the slot does not exist (the server then returns a row of NULLs). */
    public static Optional<ReplicationSlotInfo> from(QueryResult result) {
        DataRow row = result.singleRow();
        String slotType = result.text(row, "slot_type");
        if (slotType == null) {
            return Optional.empty();
        }
        return Optional.of(new ReplicationSlotInfo(slotType, result.lsn(row, "restart_lsn"), result.timeline(row, "restart_tli")));
    }
}
