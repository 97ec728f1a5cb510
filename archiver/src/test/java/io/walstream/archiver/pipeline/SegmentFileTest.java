package io.walstream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link SegmentFile#open} accepts of a {@code .partial} already there. */
class SegmentFileTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofBytes(1 << 20);
    private static final WalFileName NAME = WalFileName.of(1, 5, SIZE);

    @TempDir
    Path dir;

    /**
     * PowerLossIT found it: a power cut after the first WAL pages of a new {@code .partial} were written back, but
     * before its first fsync made the padding to the segment size durable, leaves it short, and the receiver refused
     * to start ("move it away and restart") though nothing in it had been reported flushed.
     */
    @Test
    void aPartialLeftShortByAPowerCutIsPaddedAgain() throws Exception {
        Path partial = dir.resolve(NAME.withPartial(true).toString());
        byte[] torn = new byte[128 << 10];
        Arrays.fill(torn, (byte) 7);
        Files.write(partial, torn);
        SegmentFile file = SegmentFile.open(ArchiveDirectory.create(dir), NAME);
        file.close();
        assertThat(Files.size(partial)).isEqualTo(SIZE.bytes());
        assertThat(file.directoryEntryPending).as("an existing entry").isFalse();
    }

    @Test
    void aPartialLongerThanASegmentIsRefused() throws Exception {
        Path partial = dir.resolve(NAME.withPartial(true).toString());
        Files.write(partial, new byte[SIZE.bytes() + 1]);
        assertThatThrownBy(() -> SegmentFile.open(ArchiveDirectory.create(dir), NAME))
                .isInstanceOf(ArchiveException.class).hasMessageContaining("should be at most " + SIZE.bytes());
    }

    @Test
    void aNewPartialIsPaddedToTheSegmentSize() throws Exception {
        SegmentFile file = SegmentFile.open(ArchiveDirectory.create(dir), NAME);
        file.close();
        assertThat(Files.size(dir.resolve(NAME.withPartial(true).toString()))).isEqualTo(SIZE.bytes());
        assertThat(file.directoryEntryPending).isTrue();
    }
}
