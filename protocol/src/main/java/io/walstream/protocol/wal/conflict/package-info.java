/**
 * What WAL records mean for a hot standby's recovery conflicts (snapshot, lock, database and tablespace conflicts,
 * buffer-pin hazards, transaction ends for replay timestamps), decoded per PostgreSQL major version 13–18 from the
 * records {@link io.walstream.protocol.wal.WalRecordReader} yields. The input of the replay simulator.
 */
package io.walstream.protocol.wal.conflict;
