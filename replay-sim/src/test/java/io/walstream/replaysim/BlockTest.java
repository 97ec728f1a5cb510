package io.walstream.replaysim;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.wal.conflict.ConflictRecord;
import io.walstream.protocol.wal.conflict.RelFileLocator;
import org.junit.jupiter.api.Test;

class BlockTest {

    @Test
    void aCleanupRecordThatTakesACleanupLockNamesItsPage() {
        RelFileLocator rel = new RelFileLocator(1663, 16384, 16400);
        var prune = new ConflictRecord.SnapshotConflict(0x3000000, ConflictRecord.CleanupKind.HEAP2_PRUNE, rel, 7, 900, 900,
                false, true);
        var visible = new ConflictRecord.SnapshotConflict(0x3000000, ConflictRecord.CleanupKind.HEAP2_VISIBLE, rel, 7, 900,
                900, false, false);
        var cleanupInfo = new ConflictRecord.SnapshotConflict(0x3000000, ConflictRecord.CleanupKind.HEAP2_CLEANUP_INFO,
                rel, -1, 900, 900, false, true);
        assertThat(Block.cleanupLockedBy(prune)).isEqualTo(new Block(16384, 16400, 7));
        assertThat(Block.cleanupLockedBy(visible)).isNull();
        assertThat(Block.cleanupLockedBy(cleanupInfo)).as("no block named").isNull();
    }
}
