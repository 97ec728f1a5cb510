package io.walstream.archiver;

import static io.walstream.archiver.SyntheticArchive.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.archiver.pipeline.ReceiptLog;
import io.walstream.archiver.prune.Cutoff;
import io.walstream.archiver.prune.Retention;
import io.walstream.archiver.prune.Retention.Kind;
import io.walstream.archiver.prune.Retention.Removal;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.ForwardingWalStore;
import io.walstream.archiver.store.WalStore;
import io.walstream.archiver.verify.ArchiveVerifier;
import io.walstream.archiver.verify.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Retention}: what {@code walstream prune} removes and keeps, on synthetic archives (1 MB segments). */
final class RetentionTest {

    private static final String HISTORY_2 = "1\t0/380000\tno recovery target specified\n";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private SyntheticArchive archive() {
        return new SyntheticArchive(dir);
    }

    private Retention retention() {
        return new Retention(ArchiveDirectory.open(dir), ReceiptLog.storeOf(dir));
    }

    /** Plans and removes; returns what was reported removed, in order. */
    private List<String> prune(Cutoff cutoff) throws IOException {
        Retention retention = retention();
        Retention.Plan plan = retention.plan(cutoff);
        List<String> removed = new ArrayList<>();
        retention.remove(plan, r -> removed.add(r.path()));
        assertThat(removed).isEqualTo(plan.removals().stream().map(Removal::path).toList());
        return removed;
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<String> receipts() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve(ReceiptLog.DIRECTORY))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void touch(String file, Instant when) throws IOException {
        Files.setLastModifiedTime(dir.resolve(file), FileTime.from(when));
    }

    private void write(String file) throws IOException {
        Path p = dir.resolve(file);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1, 2, 3});
    }

    private static String hours(int n) {
        return T0.plusSeconds(3600L * n).toString();
    }

    private VerifyReport verify() {
        return ArchiveVerifier.verify(dir);
    }

    @Test
    void beforeRemovesOlderCompleteSegmentsOfAnyCompressionOldestFirst() throws Exception {
        archive().identity().complete(1, 1, 6).gzip(name(1, 2), true).gzip(name(1, 3), true).partial(1, 7);
        Files.move(dir.resolve(name(1, 4)), dir.resolve(name(1, 4) + ".zst")); // only its name matters to prune
        Files.copy(dir.resolve(name(1, 1)), dir.resolve(name(1, 1) + ".lz4"));
        long gzBytes = Files.size(dir.resolve(name(1, 2) + ".gz"));

        Retention.Plan plan = retention().plan(Cutoff.before(name(1, 5)));

        assertThat(plan.removals()).extracting(Removal::name).containsExactly(name(1, 1), name(1, 1) + ".lz4",
                name(1, 2) + ".gz", name(1, 3) + ".gz", name(1, 4) + ".zst");
        assertThat(plan.removals()).extracting(Removal::kind).containsOnly(Kind.SEGMENT);
        assertThat(plan.removals().get(2).bytes()).isEqualTo(gzBytes);
        assertThat(plan.bytes()).isEqualTo(plan.removals().stream().mapToLong(Removal::bytes).sum())
                .isGreaterThan(3L * SyntheticArchive.SIZE.bytes());
        assertThat(plan.firstKeptSegment()).contains(name(1, 5));
        assertThat(plan.partialsKept()).isEqualTo(1);

        retention().remove(plan, r -> { });
        assertThat(files()).containsExactly(name(1, 5), name(1, 6), name(1, 7) + ".partial",
                ArchiveDirectory.IDENTITY_FILE);
    }

    @Test
    void theArchiveVerifiesCleanAfterAPrune() throws Exception {
        archive().identity().complete(1, 1, 6).gzip(name(1, 3), true).gzip(name(1, 4), true).partial(1, 7);
        assertThat(verify().findings()).isEmpty();
        assertThat(prune(Cutoff.before(name(1, 4)))).containsExactly(name(1, 1), name(1, 2), name(1, 3) + ".gz");
        VerifyReport report = verify();
        assertThat(report.findings()).isEmpty();
        assertThat(report.completeSegments()).isEqualTo(3);
    }

    @Test
    void aPlanRemovesNothing() throws Exception {
        archive().identity().complete(1, 1, 4).partial(1, 5);
        List<String> before = files();
        Retention.Plan plan = retention().plan(Cutoff.before(name(1, 4)));
        assertThat(plan.removals()).hasSize(3);
        assertThat(files()).isEqualTo(before);
    }

    @Test
    void partialsAndTheNewestSegmentAreNeverRemoved() throws Exception {
        // A receiver stopped at a segment boundary: the newest segment is complete; it is where it resumes.
        archive().identity().complete(1, 1, 5);
        assertThat(prune(Cutoff.before(name(1, 0x20)))).containsExactly(name(1, 1), name(1, 2), name(1, 3),
                name(1, 4));
        assertThat(files()).containsExactly(name(1, 5), ArchiveDirectory.IDENTITY_FILE);
        assertThat(ArchiveDirectory.open(dir).resumePoint(SyntheticArchive.SIZE)).get()
                .extracting(r -> r.from().toString()).isEqualTo(name(1, 5));

        // The segment being received, in any compression, stays however far the cut-off reaches.
        archive().partial(1, 6);
        Files.write(dir.resolve(name(1, 7) + ".gz.partial"), new byte[] {1});
        assertThat(prune(Cutoff.before(name(1, 0x20)))).containsExactly(name(1, 5));
        assertThat(files()).containsExactly(name(1, 6) + ".partial", name(1, 7) + ".gz.partial",
                ArchiveDirectory.IDENTITY_FILE);
        assertThat(prune(Cutoff.before(name(1, 0x20)))).isEmpty();
    }

    @Test
    void nothingAtOrAfterWhereAReceiverResumesIsRemoved() throws Exception {
        // A crash left segment 3 unfinished while 4 completed: a receiver resumes at 3 and rewrites 3 and 4.
        archive().identity().complete(1, 1, 2).partial(1, 3).complete(1, 4, 4).partial(1, 5);
        assertThat(prune(Cutoff.before(name(1, 6)))).containsExactly(name(1, 1), name(1, 2));
        assertThat(files()).contains(name(1, 3) + ".partial", name(1, 4), name(1, 5) + ".partial");
    }

    @Test
    void aTimelineSwitchKeepsEveryHistoryFileAndComparesSegmentsWhateverTheirTimeline() throws Exception {
        // Timeline 2 branched at 0/380000, inside segment 3: timeline 1's copy of it is a .partial.
        archive().identity().complete(1, 1, 2).partial(1, 3).history(2, HISTORY_2).complete(2, 3, 5).partial(2, 6);
        assertThat(verify().findings()).isEmpty();

        // A name on timeline 1 cuts timeline 2's segments too, as pg_archivecleanup compares log/seg only.
        Retention.Plan plan = retention().plan(Cutoff.before(name(1, 3)));
        assertThat(plan.removals()).extracting(Removal::name).containsExactly(name(1, 1), name(1, 2));
        assertThat(plan.historyFilesKept()).isEqualTo(1);
        retention().remove(plan, r -> { });
        assertThat(files()).containsExactly(name(1, 3) + ".partial", "00000002.history", name(2, 3), name(2, 4),
                name(2, 5), name(2, 6) + ".partial", ArchiveDirectory.IDENTITY_FILE);
        assertThat(verify().findings()).isEmpty();

        // Past the switch: timeline 2's segments go, and timeline 1's .partial, which ended at the switch (timeline
        // 2's segment 3 held the same WAL up to it); the history stays, and verify finds no gap.
        assertThat(prune(Cutoff.before(name(2, 5)))).containsExactly(name(1, 3) + ".partial", name(2, 3), name(2, 4));
        assertThat(files()).containsExactly("00000002.history", name(2, 5), name(2, 6) + ".partial",
                ArchiveDirectory.IDENTITY_FILE);
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void theNewestSegmentOfTheNewestTimelineStays() throws Exception {
        // Timeline 2 has only its first segment, complete; the cut-off is far beyond.
        archive().identity().complete(1, 1, 2).partial(1, 3).history(2, HISTORY_2).complete(2, 3, 3);
        assertThat(prune(Cutoff.before(name(2, 9)))).containsExactly(name(1, 1), name(1, 2));
        assertThat(files()).containsExactly(name(1, 3) + ".partial", "00000002.history", name(2, 3),
                ArchiveDirectory.IDENTITY_FILE);
    }

    @Test
    void olderThanRemovesThePrefixWrittenBeforeTheCutoff() throws Exception {
        archive().identity().complete(1, 1, 6).partial(1, 7);
        for (int s = 1; s <= 7; s++) {
            touch(s == 7 ? name(1, s) + ".partial" : name(1, s), Instant.parse(hours(s)));
        }
        touch(name(1, 3), Instant.parse(hours(10))); // copied back in later: newer than the cut-off
        assertThat(prune(new Cutoff.OlderThan(Instant.parse(hours(5))))).containsExactly(name(1, 1), name(1, 2));

        touch(name(1, 3), Instant.parse(hours(3)));
        assertThat(prune(new Cutoff.OlderThan(Instant.parse(hours(5))))).containsExactly(name(1, 3), name(1, 4));
        // However old, the segment being received stays; the complete one before it may go.
        assertThat(prune(new Cutoff.OlderThan(Instant.parse(hours(100))))).containsExactly(name(1, 5), name(1, 6));
        assertThat(files()).containsExactly(name(1, 7) + ".partial", ArchiveDirectory.IDENTITY_FILE);
    }

    @Test
    void olderThanIsNotHeldBackByAnOldTimelinesPartial() throws Exception {
        archive().identity().complete(1, 1, 2).partial(1, 3).history(2, HISTORY_2).complete(2, 3, 5).partial(2, 6);
        for (String f : List.of(name(1, 1), name(1, 2), name(1, 3) + ".partial", name(2, 3), name(2, 4))) {
            touch(f, Instant.parse(hours(1)));
        }
        touch(name(2, 5), Instant.parse(hours(9)));
        assertThat(prune(new Cutoff.OlderThan(Instant.parse(hours(5))))).containsExactly(name(1, 1), name(1, 2),
                name(1, 3) + ".partial", name(2, 3), name(2, 4));
        assertThat(files()).containsExactly("00000002.history", name(2, 5), name(2, 6) + ".partial",
                ArchiveDirectory.IDENTITY_FILE);
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void backupHistoryFilesAndReceiptLogsGoWithTheirSegments() throws Exception {
        archive().identity().complete(1, 1, 4).partial(1, 5);
        String backup2 = name(1, 2) + ".00000028.backup";
        String backup4 = name(1, 4) + ".00000028.backup";
        write(backup2);
        write(backup4);
        for (int s = 0; s <= 5; s++) { // segment 0 is gone already: its receipt log is left from an earlier prune
            write(ReceiptLog.DIRECTORY + "/" + name(1, s));
        }

        Retention.Plan plan = retention().plan(Cutoff.before(name(1, 4)));
        assertThat(plan.removals()).extracting(Removal::path).containsExactly("receipts/" + name(1, 0),
                name(1, 1), "receipts/" + name(1, 1), name(1, 2), backup2, "receipts/" + name(1, 2), name(1, 3),
                "receipts/" + name(1, 3));
        assertThat(plan.count(Kind.RECEIPT_LOG)).isEqualTo(4);
        assertThat(plan.count(Kind.BACKUP_HISTORY)).isEqualTo(1);
        retention().remove(plan, r -> { });
        assertThat(files()).containsExactly(name(1, 4), backup4, name(1, 5) + ".partial",
                ReceiptLog.DIRECTORY, ArchiveDirectory.IDENTITY_FILE);
        assertThat(receipts()).containsExactly(name(1, 4), name(1, 5));
    }

    @Test
    void withOlderThanABackupHistoryFileNewerThanTheCutoffStays() throws Exception {
        archive().identity().complete(1, 1, 4).partial(1, 5);
        String backup = name(1, 2) + ".00000028.backup";
        write(backup);
        for (int s = 1; s <= 4; s++) {
            touch(name(1, s), Instant.parse(hours(s)));
        }
        touch(backup, Instant.parse(hours(4))); // written when the backup ended, after its start segment
        assertThat(prune(new Cutoff.OlderThan(Instant.parse(hours(3))))).containsExactly(name(1, 1), name(1, 2));
        assertThat(files()).contains(backup);
        assertThat(prune(new Cutoff.OlderThan(Instant.parse(hours(5))))).containsExactly(backup, name(1, 3),
                name(1, 4));
    }

    @Test
    void filesThatAreNotWalAreNeverTouched() throws Exception {
        archive().identity().complete(1, 1, 3).partial(1, 4).history(2, HISTORY_2);
        for (String other : List.of(ArchiveDirectory.LOCK_FILE, "notes.txt", name(1, 1) + ".gz.tmp",
                name(1, 2) + ".walstream-put", "00000001.history")) {
            write(other);
        }
        List<String> others = files().stream().filter(f -> !f.matches("[0-9A-F]{24}")).toList();
        assertThat(prune(Cutoff.before(name(1, 9)))).containsExactly(name(1, 1), name(1, 2), name(1, 3));
        assertThat(files()).containsExactlyInAnyOrderElementsOf(others);
        assertThat(retention().plan(Cutoff.before(name(1, 9))).historyFilesKept()).isEqualTo(2);
    }

    @Test
    void aReceiverHoldingTheLockDoesNotStopAPrune() throws Exception {
        archive().identity().complete(1, 1, 3).partial(1, 4);
        try (AutoCloseable lock = ArchiveDirectory.open(dir).lockForWriting()) {
            assertThat(prune(Cutoff.before(name(1, 3)))).containsExactly(name(1, 1), name(1, 2));
            assertThat(ArchiveDirectory.open(dir).isLockedByReceiver()).isTrue();
        }
        assertThat(files()).contains(ArchiveDirectory.LOCK_FILE);
    }

    @Test
    void anEmptyArchiveHasNothingToRemove() throws Exception {
        archive().identity();
        write(name(1, 1) + ".00000028.backup");
        assertThat(retention().plan(Cutoff.before(name(1, 9))).removals()).isEmpty();
    }

    @Test
    void withoutAnIdentityFileNamesAreStillOrdered() throws Exception {
        // pg_receivewal's directory of 16 MB segments: the identity is unknown, the names order alike.
        for (String n : List.of("0000000100000001000000FE", "0000000100000001000000FF", "000000010000000200000000",
                "000000010000000200000001.partial")) {
            write(n);
        }
        assertThat(prune(Cutoff.before("000000010000000200000000"))).containsExactly("0000000100000001000000FE",
                "0000000100000001000000FF");
    }

    @Test
    void anInterruptedPruneLeavesNoHoleAndTheNextOneFinishes() throws Exception {
        archive().identity().complete(1, 1, 6).partial(1, 7);
        ArchiveDirectory real = ArchiveDirectory.open(dir);
        WalStore failing = new FailingDeletes(real, 3);
        Retention retention = new Retention(failing, Optional.empty());
        Retention.Plan plan = retention.plan(Cutoff.before(name(1, 6)));
        List<String> removed = new ArrayList<>();
        assertThatThrownBy(() -> retention.remove(plan, r -> removed.add(r.name())))
                .isInstanceOf(IOException.class).hasMessageContaining(name(1, 3));
        assertThat(removed).containsExactly(name(1, 1), name(1, 2));
        assertThat(verify().findings()).isEmpty();

        assertThat(prune(Cutoff.before(name(1, 6)))).containsExactly(name(1, 3), name(1, 4), name(1, 5));
        assertThat(verify().findings()).isEmpty();
    }

    @Test
    void theCutoffTakesAnyWalFileNameAndNothingElse() {
        assertThat(Cutoff.before("000000020000000100000005").logSeg()).isEqualTo("0000000100000005");
        assertThat(Cutoff.before("000000020000000100000005.gz.partial").segment())
                .isEqualTo("000000020000000100000005");
        assertThat(Cutoff.before("000000020000000100000005.zst").segment()).isEqualTo("000000020000000100000005");
        assertThat(Cutoff.before("000000020000000100000005.00000028.backup").segment())
                .isEqualTo("000000020000000100000005");
        for (String bad : List.of("00000002.history", "000000020000000100000005.bz2", "../000000020000000100000005",
                "00000002000000010000000", "000000020000000100000005/x", "")) {
            assertThatThrownBy(() -> Cutoff.before(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** A store whose n-th delete fails, as a disk or an object store can. */
    private static final class FailingDeletes extends ForwardingWalStore {
        private int deletesLeft;

        FailingDeletes(WalStore store, int failAt) {
            super(store);
            this.deletesLeft = failAt;
        }

        @Override
        public void delete(String name) throws IOException {
            if (--deletesLeft == 0) {
                throw new IOException("could not delete " + name + ": injected");
            }
            super.delete(name);
        }
    }
}
