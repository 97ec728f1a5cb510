/**
 * What WAL records mean for a hot standby's recovery conflicts (snapshot, lock, database and tablespace conflicts,
 * buffer-pin hazards, transaction ends for replay timestamps), decoded per PostgreSQL major version 13–18 from the
 * records {@link io.walstream.protocol.wal.WalRecordReader} yields. {@link ConflictRecord} is the conflict model's one
 * record hierarchy: replay-sim's simulator replays these records as decoded (wrapped in its {@code ReplayRecord}
 * with the record's end and xid), and its synthetic workload and tests build the same types. The rules and record
 * layouts: {@code docs/recovery-conflicts.md}.
 */
package io.walstream.protocol.wal.conflict;
