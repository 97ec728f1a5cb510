package io.walstream.archiver;

import io.walstream.archiver.store.ArchiveEnd;

import io.walstream.archiver.store.ArchiveDirectory;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.Lsn;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where an archive's WAL ends, from the files alone. */
final class ArchiveEndTest {

    @TempDir
    Path dir;

    private ArchiveEnd end() {
        return ArchiveEnd.of(ArchiveDirectory.open(dir), SyntheticArchive.SIZE).orElseThrow();
    }

    @Test
    void aPartialEndsAfterItsLastWholeRecord() throws Exception {
        new SyntheticArchive(dir).identity().complete(1, 1, 2).partial(1, 3);
        ArchiveEnd e = end();
        assertThat(e.newest().toString()).isEqualTo("000000010000000000000003.partial");
        assertThat(e.resumePoint()).isEqualTo(Lsn.of(SyntheticArchive.start(3)));
        assertThat(e.walEnd()).isEqualTo(Lsn.of(SyntheticArchive.start(3) + 40 + 40));
        assertThat(e.timeline()).isEqualTo(1);
    }

    @Test
    void aCompleteNewestSegmentEndsAtItsEnd() throws Exception {
        new SyntheticArchive(dir).identity().complete(1, 1, 2);
        assertThat(end().walEnd()).isEqualTo(Lsn.of(SyntheticArchive.start(3)));
        assertThat(end().resumePoint()).isEqualTo(Lsn.of(SyntheticArchive.start(3)));
    }

    @Test
    void anEmptyPartialEndsWhereItStartsAndNoSegmentsMeansNoEnd() throws Exception {
        assertThat(ArchiveEnd.of(ArchiveDirectory.open(dir), SyntheticArchive.SIZE)).isEmpty();
        new SyntheticArchive(dir).identity().complete(1, 1, 1);
        Files.write(dir.resolve(SyntheticArchive.name(1, 2) + ".partial"), new byte[SyntheticArchive.SIZE.bytes()]);
        assertThat(end().walEnd()).isEqualTo(Lsn.of(SyntheticArchive.start(2)));
    }
}
