package io.walstream.archiver.powerloss;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.ArchiveReceiverIT;
import io.walstream.archiver.pipeline.ArchivePipeline;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.powerloss.RecordingFileSystem.Op;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.verify.ArchiveVerifier;
import io.walstream.archiver.verify.VerifyReport;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.Await;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss, which a SIGKILL cannot show (the page cache outlives the process): one real receive run against a real
 * PostgreSQL 17 is recorded through {@link RecordingFileSystem}, then thousands of power cuts are cut into it
 * ({@link PowerCut}: only what was fsynced, directory entries only once their directory was fsynced, torn pages
 * for writes in flight) and each directory a cut leaves is checked with the archive's own code: every byte reported
 * flushed before the cut is there and is the server's, no complete segment differs from the server's, the resume
 * point neither skips nor rewrites complete WAL and needs nothing the server may have removed, the receiver can open
 * its segment, and verify finds nothing but a torn tail of a {@code .partial} past the reported flush. A few of the
 * directories are then given to a real receiver, which must continue into an archive identical to the server's.
 *
 * <p>{@code -Dpowerloss.seed=N} replays the choice of cuts and of what each keeps (the recorded run itself depends
 * on timing; a failing directory is written to {@code target/powerloss-failures/}), {@code -Dpowerloss.points=N}
 * cuts per mode (default 2000), {@code -Dpowerloss.restarts=N} restarted receivers per mode (default 2).
 */
@ExtendWith(PgClusterExtension.class)
class PowerLossIT {

    private static final long SEED = Long.getLong("powerloss.seed", System.nanoTime() % 100_000_000_000_000L);
    private static final int POINTS = Integer.getInteger("powerloss.points", 2000);
    private static final int RESTARTS = Integer.getInteger("powerloss.restarts", 2);
    /** verify reads every segment of an image: run it on one image in this many (and on every failing one). */
    private static final int VERIFY_EVERY = Integer.getInteger("powerloss.verifyEvery", 5);
    /** Images kept for the restarts, a uniform sample of those holding a segment. */
    private static final int RESERVOIR = 32;

    private static PgCluster pg;
    private static WalSegmentSize segmentSize;

    @BeforeAll
    static void startServer() {
        System.out.println("PowerLossIT seed " + SEED + " (-Dpowerloss.seed=" + SEED + " to replay the cuts)");
        // 1 MB segments: a segment switch (rename, directory fsync) every megabyte; the server keeps its WAL for the
        // restarted receivers, which resume before the slot's position
        pg = PgCluster.builder().name("powerloss").walSegmentSize(1).setting("wal_keep_size", "256MB").start();
        pg.execute("CREATE TABLE t (id int, payload text)");
        segmentSize = WalSegmentSize.ofBytes(pg.walSegmentSize());
    }

    @AfterAll
    static void stopServer() {
        pg.close();
    }

    @Test
    void powerCutsInTheDefaultModeLoseNothingReportedFlushed(@TempDir Path tmp, TestReporter reporter)
            throws Exception {
        explore("default", FsyncPolicy.defaults(), tmp, reporter);
    }

    @Test
    void powerCutsInSynchronousModeLoseNothingReportedFlushed(@TempDir Path tmp, TestReporter reporter)
            throws Exception {
        explore("synchronous", FsyncPolicy.synchronous(), tmp, reporter);
    }

    /** What the recorded run produced: its log, the WAL it archived, the server's copy of that WAL. */
    private record Recording(List<Op> ops, long firstSegment, long lastSegment, Map<Long, byte[]> serverWal,
            long bytesWritten) {
    }

    private void explore(String mode, FsyncPolicy policy, Path tmp, TestReporter reporter) throws Exception {
        long started = System.nanoTime();
        Recording run = record(mode, policy, tmp);
        long recorded = System.nanoTime();
        Random random = new Random(SEED ^ mode.hashCode());
        int[] points = cutPoints(run.ops(), random);
        PowerCut cut = new PowerCut(run.ops());
        ImageCheck check = new ImageCheck(run);
        List<PowerCut.Image> kept = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        int verified = 0;
        int candidates = 0;
        for (int i = 0; i < points.length; i++) {
            cut.advanceTo(points[i]);
            PowerCut.Image image = cut.image(random);
            List<String> problems = check.problems(image);
            boolean verify = i % VERIFY_EVERY == 0 || !problems.isEmpty();
            if (verify) {
                problems.addAll(check.verifyProblems(image));
                verified++;
            }
            if (!problems.isEmpty()) {
                Path saved = save(image, Path.of("target", "powerloss-failures", mode + "-" + SEED + "-" + i));
                throw new AssertionError("power cut " + i + " of " + points.length + " (" + mode + " mode, seed " + SEED
                        + ", -Dpowerloss.seed=" + SEED + " to replay), before op " + image.opIndex() + " of "
                        + run.ops().size() + " (" + describe(run.ops(), image.opIndex()) + "), reported flush "
                        + Lsn.format(image.reportedFlush()) + ":\n  " + String.join("\n  ", problems)
                        + "\n  the directory it left: " + saved.toAbsolutePath() + " " + image.files().keySet());
            }
            outcomes.merge(check.outcome(image), 1, Integer::sum);
            if (image.exists() && image.files().keySet().stream().anyMatch(WalFileName::isWalFileName)) {
                candidates++; // reservoir sampling: each such image equally likely to be restarted on
                if (kept.size() < RESERVOIR) {
                    kept.add(copy(image));
                } else if (random.nextInt(candidates) < RESERVOIR) {
                    kept.set(random.nextInt(RESERVOIR), copy(image));
                }
            }
        }
        long cutsDone = System.nanoTime();
        String summary = String.format("PowerLossIT %s mode, seed %d: %d power cuts into %d file operations (%d MB"
                + " written, segments %d to %d), %d also verified; 0 lost bytes; resume points: %s; recording %.1f s,"
                + " cuts %.1f s", mode, SEED, points.length, run.ops().size(), run.bytesWritten() >> 20,
                run.firstSegment(), run.lastSegment(), verified, outcomes, (recorded - started) / 1e9,
                (cutsDone - recorded) / 1e9);
        System.out.println(summary);
        reporter.publishEntry("power cuts " + mode, summary);

        Collections.shuffle(kept, random);
        Set<Integer> restartedAt = new HashSet<>();
        for (PowerCut.Image image : kept) {
            if (restartedAt.size() < RESTARTS && restartedAt.add(image.opIndex())) {
                restartOn(image, mode, tmp.resolve("restart-" + restartedAt.size()));
            }
        }
    }

    /** Cuts before and after every fsync, directory fsync, rename, create and flush report, the rest at random. */
    private static int[] cutPoints(List<Op> ops, Random random) {
        List<Integer> edges = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (!(op instanceof RecordingFileSystem.Write)) {
                edges.add(i);
                edges.add(i + 1);
            }
        }
        int[] points = new int[POINTS];
        for (int i = 0; i < POINTS; i++) {
            points[i] = i % 2 == 0 && !edges.isEmpty() ? edges.get(random.nextInt(edges.size()))
                    : random.nextInt(ops.size() + 1);
        }
        Arrays.sort(points);
        return points;
    }

    private static String describe(List<Op> ops, int index) {
        StringBuilder s = new StringBuilder();
        for (int i = Math.max(0, index - 3); i < Math.min(ops.size(), index + 2); i++) {
            Op op = ops.get(i);
            String text = op instanceof RecordingFileSystem.Write w ? "Write[inode=" + w.inode() + ", position="
                    + w.position() + ", " + w.bytes().length + " bytes]" : op.toString();
            s.append(i == index ? " >>CUT<< " : " ").append(text);
        }
        return s.toString().trim();
    }

    // ------------------------------------------------------------------ the recorded run

    private Recording record(String mode, FsyncPolicy policy, Path tmp) throws Exception {
        Path archive = tmp.resolve("archive");
        RecordingFileSystem recording = new RecordingFileSystem(archive);
        String name = "powerloss_" + mode;
        ReceiveOptions options = ArchiveReceiverIT.options(pg, "application_name=" + name).withSlot(name, true, true)
                .withFsync(policy);
        boolean synchronous = policy.mode() == FsyncPolicy.Mode.SYNCHRONOUS;
        try (ArchiveReceiver receiver = new ArchiveReceiver(ArchiveDirectory.create(archive, recording), options,
                ArchivePipeline.Settings.defaults())) {
            receiver.onDurable(recording::flushReported);
            CompletableFuture<ArchiveReceiver.Outcome> running = CompletableFuture.supplyAsync(receiver::run);
            Await.until("receiver streaming", Duration.ofSeconds(60), () -> receiver.progress().streaming()
                    || running.isDone());
            if (synchronous) {
                pg.reload(Map.of("synchronous_standby_names", name)); // each commit waits for its flush
            }
            try {
                for (int i = 0; i < 6; i++) {
                    ArchiveReceiverIT.write(pg, 700); // about 0.8 MB of WAL
                    if (i % 2 == 1) {
                        pg.switchWal();
                    }
                    // 30 commits of a few hundred bytes: in synchronous mode each is a write, an fsync, a report
                    pg.execute("DO $$ BEGIN FOR i IN 1..30 LOOP INSERT INTO t VALUES (i, 'small'); COMMIT; END LOOP;"
                            + " END $$");
                }
            } finally {
                if (synchronous) {
                    pg.reload(Map.of("synchronous_standby_names", ""));
                }
            }
            long end = Lsn.parse(pg.currentWalLsn()).value();
            Await.until("receiver durable through " + Lsn.format(end), Duration.ofSeconds(120),
                    () -> receiver.progress().durableLsn() >= end || running.isDone());
            receiver.stop();
            assertThat(running.get(60, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
        }
        List<WalFileName> segments = ArchiveDirectory.open(archive).segments(segmentSize);
        long first = segments.get(0).segmentNumber();
        long last = segments.get(segments.size() - 1).segmentNumber();
        assertThat(ArchiveReceiverIT.assertSegmentsAreTheServers(pg, archive)).as("complete segments").isPositive();
        Map<Long, byte[]> serverWal = new HashMap<>();
        for (long seg = first; seg <= last; seg++) {
            serverWal.put(seg, pg.readWalFile(WalFileName.of(1, seg, segmentSize).toString()));
        }
        return new Recording(recording.ops(), first, last, serverWal, recording.bytesWritten());
    }

    // ------------------------------------------------------------------ checks of one image

    /** The checks of one directory a power cut left, offline, through the archive's own code. */
    private static final class ImageCheck {
        private final Recording run;
        /** Content arrays already found equal to the server's segment (images share unchanged files). */
        private final Map<byte[], Boolean> sameAsServer = new IdentityHashMap<>();

        ImageCheck(Recording run) {
            this.run = run;
        }

        private long start(long segment) {
            return segment * segmentSize.bytes();
        }

        List<String> problems(PowerCut.Image image) {
            List<String> problems = new ArrayList<>();
            long flush = image.reportedFlush();
            long runStart = start(run.firstSegment());
            if (!image.exists()) {
                if (flush > runStart) {
                    problems.add("the archive directory is gone, yet " + Lsn.format(flush) + " was reported flushed");
                }
                return problems;
            }
            Map<String, byte[]> files = image.files();
            MemoryWalStore store = new MemoryWalStore("power cut", files);
            // every byte reported flushed is there and is the server's
            for (long seg = run.firstSegment(); start(seg) < flush; seg++) {
                WalFileName name = WalFileName.of(1, seg, segmentSize);
                byte[] complete = files.get(name.toString());
                byte[] content = complete != null ? complete : files.get(name.withPartial(true).toString());
                int length = (int) Math.min(segmentSize.bytes(), flush - start(seg));
                if (content == null) {
                    problems.add("segment " + name + " is missing (neither complete nor .partial), yet "
                            + Lsn.format(flush) + " was reported flushed");
                } else if (content.length < length || Arrays.mismatch(content, 0, length, serverWal(seg), 0, length)
                        != -1) {
                    problems.add((complete != null ? name : name.withPartial(true)) + " differs from the server's WAL "
                            + firstDifference(content, serverWal(seg), length, seg) + " below the reported flush "
                            + Lsn.format(flush));
                }
            }
            // no complete segment is anything but the server's
            Map<Long, List<String>> bySegment = new TreeMap<>();
            for (WalFileName name : store.segments(segmentSize)) {
                bySegment.computeIfAbsent(name.segmentNumber(), k -> new ArrayList<>()).add(name.toString());
                if (!name.partial()) {
                    byte[] content = files.get(name.toString());
                    if (!sameAsServer.containsKey(content)) {
                        if (!Arrays.equals(content, serverWal(name.segmentNumber()))) {
                            problems.add("complete segment " + name + " is not the server's: " + content.length
                                    + " bytes, " + firstDifference(content, serverWal(name.segmentNumber()),
                                    segmentSize.bytes(), name.segmentNumber()));
                            continue;
                        }
                        sameAsServer.put(content, true);
                    }
                }
            }
            bySegment.forEach((seg, names) -> {
                if (names.size() > 1) {
                    problems.add("segment " + seg + " is there twice: " + names);
                }
            });
            // the resume point, as the receiver computes it
            var resume = store.resumePoint(segmentSize);
            if (resume.isEmpty()) {
                return problems; // nothing archived: the reported-flush check above said whether that loses WAL
            }
            long resumeAt = resume.get().start().value();
            long resumeSegment = resumeAt / segmentSize.bytes();
            if (resumeAt < flush / segmentSize.bytes() * segmentSize.bytes()) {
                problems.add("the receiver would resume at " + Lsn.format(resumeAt) + ", before the segment of the"
                        + " reported flush " + Lsn.format(flush) + " (the slot's restart_lsn): the server may have"
                        + " removed that WAL");
            }
            for (long seg = run.firstSegment(); seg < resumeSegment; seg++) {
                if (!files.containsKey(WalFileName.of(1, seg, segmentSize).toString())) {
                    problems.add("the receiver would resume at " + Lsn.format(resumeAt) + " (after " + resume.get().from()
                            + "), skipping segment " + WalFileName.of(1, seg, segmentSize) + ", which is not complete"
                            + " in the archive: " + bySegment.getOrDefault(seg, List.of()));
                }
            }
            for (Map.Entry<Long, List<String>> e : bySegment.entrySet()) {
                if (e.getKey() >= resumeSegment && e.getValue().stream().anyMatch(n -> !n.endsWith(".partial"))) {
                    problems.add("the receiver would resume at " + Lsn.format(resumeAt) + " and write again into"
                            + " complete segment " + e.getValue());
                }
            }
            byte[] resumed = files.get(WalFileName.of(1, resumeSegment, segmentSize).withPartial(true).toString());
            if (resumed != null && resumed.length > segmentSize.bytes()) { // SegmentFile.open pads a shorter one
                problems.add("the receiver cannot resume: " + resume.get().from() + " has " + resumed.length
                        + " bytes, more than a segment, and opening it for writing refuses that");
            }
            return problems;
        }

        /** verify's errors, but for those about a {@code .partial} from the reported flush's segment on. */
        List<String> verifyProblems(PowerCut.Image image) {
            if (!image.exists()) {
                return List.of();
            }
            long flushSegmentStart = image.reportedFlush() / segmentSize.bytes() * segmentSize.bytes();
            VerifyReport report = ArchiveVerifier.verify(new MemoryWalStore("power cut", image.files()),
                    ArchiveVerifier.Options.DEFAULTS);
            List<String> problems = new ArrayList<>();
            for (VerifyReport.Finding f : report.findings()) {
                if (f.severity() != VerifyReport.Severity.ERROR || f.kind() == VerifyReport.Kind.EMPTY) {
                    continue;
                }
                boolean tornTail = f.file() != null && f.file().endsWith(".partial") && WalFileName.isWalFileName(f.file())
                        && WalFileName.parse(f.file(), segmentSize).startLsn().value() >= flushSegmentStart;
                if (!tornTail) {
                    problems.add("verify: " + f);
                }
            }
            return problems;
        }

        /** Where the receiver would resume, relative to the reported flush, for the summary. */
        String outcome(PowerCut.Image image) {
            if (!image.exists()) {
                return "no directory";
            }
            var resume = new MemoryWalStore("power cut", image.files()).resumePoint(segmentSize);
            if (resume.isEmpty()) {
                return "empty";
            }
            return resume.get().start().value() <= image.reportedFlush() ? "at or below the flush" : "past the flush";
        }

        private byte[] serverWal(long segment) {
            return run.serverWal().get(segment);
        }

        private String firstDifference(byte[] ours, byte[] theirs, int length, long segment) {
            int at = Arrays.mismatch(ours, 0, Math.min(length, ours.length), theirs, 0, Math.min(length, ours.length));
            if (at < 0) {
                return "(shorter: " + ours.length + " of " + length + " bytes)";
            }
            return "at offset " + at + " (LSN " + Lsn.format(start(segment) + at) + ")";
        }
    }

    // ------------------------------------------------------------------ restarts

    /** A real receiver on the directory a cut left: it must continue into an archive identical to the server's. */
    private void restartOn(PowerCut.Image image, String mode, Path dir) throws Exception {
        save(image, dir);
        ArchiveReceiverIT.write(pg, 300);
        Lsn end = Lsn.parse(pg.switchWal());
        // no slot: the receiver resumes where the archive ends, before the recorded run's slot position
        ReceiveOptions options = ArchiveReceiverIT.options(pg, "application_name=powerloss_restart").withEndLsn(end);
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options)) {
            CompletableFuture<ArchiveReceiver.Outcome> running = CompletableFuture.supplyAsync(receiver::run);
            assertThat(running.get(120, TimeUnit.SECONDS)).as("receiver restarted on a power cut's directory"
                    + " (before op %d, seed %d, %s mode): %s", image.opIndex(), SEED, mode, image.files().keySet())
                    .isEqualTo(ArchiveReceiver.Outcome.END_POSITION_REACHED);
        }
        int compared = ArchiveReceiverIT.assertSegmentsAreTheServers(pg, dir);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).as("verify after a receiver continued on a power cut's directory (before op %d,"
                + " seed %d)", image.opIndex(), SEED).noneMatch(f -> f.severity() == VerifyReport.Severity.ERROR);
        String line = "PowerLossIT " + mode + " mode: a receiver restarted on the directory of the cut before op "
                + image.opIndex() + " (reported flush " + Lsn.format(image.reportedFlush()) + ", " + image.files().size()
                + " files) continued to " + end + "; " + compared + " complete segments are the server's, verify clean";
        System.out.println(line);
    }

    private static PowerCut.Image copy(PowerCut.Image image) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        image.files().forEach((name, content) -> files.put(name, content.clone()));
        return new PowerCut.Image(image.exists(), files, image.reportedFlush(), image.opIndex());
    }

    private static Path save(PowerCut.Image image, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : image.files().entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }
}
