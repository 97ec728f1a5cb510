package io.walstream.archiver;

import io.walstream.archiver.store.ArchiveDirectory;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.Lsn;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code receive} resumes in an existing archive. */
class ArchiveDirectoryResumeTest {

    private static ArchiveDirectory.ResumePoint resume(Path dir) {
        return ArchiveDirectory.open(dir).resumePoint(SyntheticArchive.SIZE).orElseThrow();
    }

    @Test
    void emptyDirectoryHasNoResumePoint(@TempDir Path dir) {
        assertThat(ArchiveDirectory.open(dir).resumePoint(SyntheticArchive.SIZE)).isEmpty();
    }

    @Test
    void afterTheNewestCompleteSegment(@TempDir Path dir) throws Exception {
        new SyntheticArchive(dir).complete(1, 1, 3);
        assertThat(resume(dir).start()).isEqualTo(Lsn.of(SyntheticArchive.start(4)));
    }

    @Test
    void atTheStartOfTheNewestPartial(@TempDir Path dir) throws Exception {
        new SyntheticArchive(dir).complete(1, 1, 3).partial(1, 4);
        ArchiveDirectory.ResumePoint r = resume(dir);
        assertThat(r.start()).isEqualTo(Lsn.of(SyntheticArchive.start(4)));
        assertThat(r.timeline()).isEqualTo(1);
    }

    @Test
    void atTheOldestUnfinishedPartialWhenACrashLeftTwo(@TempDir Path dir) throws Exception {
        // killed while segment 3 was being fsynced and renamed, after the writer had opened segment 4
        new SyntheticArchive(dir).complete(1, 1, 2).partial(1, 3).partial(1, 4);
        ArchiveDirectory.ResumePoint r = resume(dir);
        assertThat(r.start()).isEqualTo(Lsn.of(SyntheticArchive.start(3)));
        assertThat(r.from().toString()).isEqualTo(SyntheticArchive.name(1, 3) + ".partial");
    }

    @Test
    void theOldTimelinesLastPartialStaysAfterASwitch(@TempDir Path dir) throws Exception {
        // pg_receivewal's layout after a promotion inside segment 3: 1's .partial, 2's copy complete
        new SyntheticArchive(dir).complete(1, 1, 2).partial(1, 3).complete(2, 3, 4).partial(2, 5);
        ArchiveDirectory.ResumePoint r = resume(dir);
        assertThat(r.timeline()).isEqualTo(2);
        assertThat(r.start()).isEqualTo(Lsn.of(SyntheticArchive.start(5)));
    }
}
