package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestReporter;

/**
 * What the crash tests share: {@code walstream} from the packaged jar as a separate JVM (so that
 * {@link Process#destroyForcibly()} is a real SIGKILL), and checks of an archive directory against
 * the server's own {@code pg_wal}, byte for byte (through SHA-256 of the same ranges on both sides).
 */
final class CrashHarness implements AutoCloseable {

    private final PgCluster pg;
    private final Path archive;
    private final Path logs;
    private final WalSegmentSize segmentSize;
    /**
     * Complete segments already found identical to the server's, not compared again after each round (that
     * would cost a core its time); {@link #assertCompleteSegmentsAreTheServers} compares them all at the end.
     */
    private final Set<String> checkedComplete = new HashSet<>();
    /** One session for all the polling: a new connection per poll costs a core its time here. */
    private final Connection monitor;
    private final DirtyPageCheck dirtyPageCheck;
    /** Archive pages the dirty-page check looked at, all rounds. */
    private long dirtyPagesChecked;
    /** Dirty folios that began below a reported flush and reached past it (expected: written past the flush). */
    private final long[] dirtyFoliosPastFlush = {0};

    /**
     * Probes the dirty-page check on the archive's file system and reports whether it runs, printed and as
     * the {@code dirty-page check} entry of {@code reporter}: a check that cannot run here is a named outcome.
     */
    CrashHarness(PgCluster pg, Path archive, Path logs, TestReporter reporter) throws IOException {
        this.pg = pg;
        this.archive = archive;
        this.logs = logs;
        this.segmentSize = WalSegmentSize.ofBytes(pg.walSegmentSize());
        this.monitor = pg.connect();
        Files.createDirectories(logs);
        this.dirtyPageCheck = PageFlags.probe(logs);
        System.out.println(dirtyPageCheck);
        reporter.publishEntry("dirty-page check", dirtyPageCheck.toString());
    }

    /** Whether {@link #assertNoDirtyPagesBetween} checks anything here, and why. */
    record DirtyPageCheck(boolean enabled, String reason) {
        @Override
        public String toString() {
            return "dirty-page check " + (enabled ? "ENABLED" : "DISABLED") + ": " + reason;
        }
    }

    DirtyPageCheck dirtyPageCheck() {
        return dirtyPageCheck;
    }

    /**
     * The line a test prints at its end: how many archive pages the dirty-page check looked at. Where the
     * check runs, a run that looked at none fails: it checked nothing.
     */
    String dirtyPageSummary() {
        if (dirtyPageCheck.enabled()) {
            assertThat(dirtyPagesChecked).as("archive pages the enabled dirty-page check looked at, all rounds")
                    .isPositive();
            return "dirty-page check ENABLED: " + dirtyPagesChecked + " archive pages checked clean after the kills ("
                    + dirtyFoliosPastFlush[0] + " dirty folios reaching past the reported flush, from a write past it)";
        }
        return dirtyPageCheck.toString();
    }

    @Override
    public void close() throws SQLException {
        monitor.close();
    }

    /** Rows as text, on the monitoring session. */
    synchronized List<List<String>> query(String sql, Object... params) {
        try {
            return PgCluster.query(monitor, sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage() + " (" + sql + ")", e);
        }
    }

    String queryString(String sql, Object... params) {
        List<List<String>> rows = query(sql, params);
        if (rows.isEmpty()) {
            throw new IllegalStateException("no row from " + sql);
        }
        return rows.get(0).get(0);
    }

    WalSegmentSize segmentSize() {
        return segmentSize;
    }

    static Path jar() {
        Path jar = Path.of("target", "walstream.jar").toAbsolutePath();
        assertThat(jar).as("the packaged walstream.jar (mvn package builds it before integration tests)").exists();
        return jar;
    }

    String conninfo(String applicationName) {
        return "host=127.0.0.1 sslmode=disable port=" + pg.port() + " user=" + pg.superuser() + " password="
                + pg.password() + " application_name=" + applicationName;
    }

    /** {@code java -jar walstream.jar ARGS}, stdout and stderr appended to {@code logs/NAME.log}. */
    Process walstream(String logName, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // less JIT work at start-up: two cores are shared by the server, the load and this JVM
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-jar", jar().toString()));
        command.addAll(List.of(args));
        Path log = logs.resolve(logName + ".log");
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    String log(String logName) {
        try {
            return Files.readString(logs.resolve(logName + ".log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Runs a walstream command to its end and returns the exit code; fails after {@code timeoutSeconds}. */
    int run(String logName, long timeoutSeconds, String... args) throws Exception {
        Process p = walstream(logName, args);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("walstream " + String.join(" ", args) + " did not end in " + timeoutSeconds
                    + " s; log:\n" + log(logName));
        }
        return p.exitValue();
    }

    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush, no unlock
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("walstream " + p.pid() + " survived SIGKILL for 60 s");
        }
    }

    static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(what + ": not within " + timeoutMillis / 1000 + " s");
            }
            Thread.sleep(50);
        }
    }

    /** Waits until no walsender serves the slot (the killed receiver's connection is gone). */
    void awaitSlotInactive(String slot) throws InterruptedException {
        await("slot " + slot + " inactive", 60_000, () -> "false".equals(
                queryString("SELECT active::text FROM pg_replication_slots WHERE slot_name = ?", slot)));
    }

    /** The slot's restart_lsn: for a physical slot, the last flush position the receiver reported. */
    long slotRestartLsn(String slot) {
        String lsn = queryString("SELECT coalesce(restart_lsn, '0/0')::text FROM pg_replication_slots"
                + " WHERE slot_name = ?", slot);
        return Lsn.parse(lsn).value();
    }

    /** The flush position in pg_stat_replication for this application_name, 0 when there is none. */
    long reportedFlush(String applicationName) {
        List<List<String>> rows = query("SELECT coalesce(flush_lsn, '0/0')::text FROM pg_stat_replication"
                + " WHERE application_name = ?", applicationName);
        long max = 0;
        for (List<String> row : rows) {
            max = Math.max(max, Lsn.parse(row.get(0)).value());
        }
        return max;
    }

    boolean streaming(String applicationName) {
        return !query("SELECT 1 FROM pg_stat_replication WHERE application_name = ? AND state = 'streaming'",
                applicationName).isEmpty();
    }

    // ---------------------------------------------------------------- archive checks

    /**
     * The "flushed is never lost" property: every byte of WAL from the start of segment
     * {@code firstSegment} up to {@code end} (exclusive) is on disk in the archive, in the complete
     * segment or else its {@code .partial}, and identical to the server's.
     */
    void assertHoldsServerWalUpTo(long firstSegment, long end, String context) throws Exception {
        long firstStart = firstSegment * segmentSize.bytes();
        if (end <= firstStart) {
            return;
        }
        long lastSegment = (end - 1) / segmentSize.bytes();
        for (long seg = firstSegment; seg <= lastSegment; seg++) {
            WalFileName name = WalFileName.of(1, seg, segmentSize);
            long segStart = name.startLsn().value();
            int length = (int) Math.min(segmentSize.bytes(), end - segStart);
            Path complete = archive.resolve(name.toString());
            Path partial = archive.resolve(name.withPartial(true).toString());
            Path file = Files.exists(complete) ? complete : partial;
            if (!Files.exists(file)) {
                throw new AssertionError(context + ": WAL up to " + Lsn.format(end) + " was reported flushed, but "
                        + "segment " + name + " is not in the archive at all (neither complete nor .partial); archive: "
                        + listing());
            }
            if (file == complete && checkedComplete.contains(name.toString())) {
                continue;
            }
            assertSameBytes(name.toString(), file, length, context + ", reported flush " + Lsn.format(end));
            if (file == complete && length == segmentSize.bytes()) {
                checkedComplete.add(name.toString());
            }
        }
    }

    /**
     * The fsync half of "flushed is never lost", which a SIGKILL alone cannot show (the page cache
     * outlives the process): right after the kill, no page-cache page of the archive that lies wholly
     * in {@code [from, to)} may still be dirty, for a power loss would lose a dirty page (but for a large folio
     * that reaches past {@code to}, dirty as a whole from a write past the flush). {@code from}
     * is the flush position reported before this run (a restart rewrites the {@code .partial} from its
     * start, which dirties those already durable pages again, with the same bytes), {@code to} the one
     * reported by this run. Pages the kernel wrote back by itself count as clean: that can hide a
     * defect, never invent one. Reads page flags through {@code /proc/self/pagemap} and
     * {@code /proc/kpageflags} (root, CAP_SYS_ADMIN); checks nothing where {@link #dirtyPageCheck()}
     * says so (the test reports that outcome).
     */
    void assertNoDirtyPagesBetween(long from, long to, String context) throws Exception {
        if (!dirtyPageCheck.enabled()) {
            return;
        }
        long page = PageFlags.PAGE;
        for (long seg = from / segmentSize.bytes(); seg * segmentSize.bytes() < to; seg++) {
            WalFileName name = WalFileName.of(1, seg, segmentSize);
            long segStart = name.startLsn().value();
            long first = Math.max(from, segStart) - segStart;
            long last = Math.min(to, segStart + segmentSize.bytes()) - segStart;
            first = (first + page - 1) / page * page; // whole pages only
            last = last / page * page;
            if (first >= last) {
                continue;
            }
            Path complete = archive.resolve(name.toString());
            Path file = Files.exists(complete) ? complete : archive.resolve(name.withPartial(true).toString());
            long dirty = PageFlags.firstDirtyPageOfAFolioBelow(file, first, last, dirtyFoliosPastFlush);
            if (dirty >= 0) {
                throw new AssertionError(context + ": " + file.getFileName() + " still has a dirty page at offset "
                        + dirty + " (LSN " + Lsn.format(segStart + dirty) + ") after the kill, below the flush position "
                        + Lsn.format(to) + " the server was told about: that WAL was reported flushed before it was"
                        + " fsynced, and a power loss would lose it");
            }
            dirtyPagesChecked += (last - first) / page;
        }
    }

    /** (a) from the first to the last segment, each exactly once; only the last may be a .partial. Returns them. */
    List<WalFileName> assertNoGapNoDuplicate(long expectedFirstSegment) throws IOException {
        Map<Long, List<String>> bySegment = new TreeMap<>();
        try (Stream<Path> files = Files.list(archive)) {
            for (Path f : files.toList()) {
                String fileName = f.getFileName().toString();
                if (WalFileName.isWalFileName(fileName)) {
                    WalFileName n = WalFileName.parse(fileName, segmentSize);
                    assertThat(n.timeline()).as("timeline of %s", fileName).isEqualTo(1);
                    bySegment.computeIfAbsent(n.segmentNumber(), k -> new ArrayList<>()).add(fileName);
                }
            }
        }
        assertThat(bySegment).as("segments in the archive").isNotEmpty();
        long first = bySegment.keySet().iterator().next();
        long last = ((TreeMap<Long, List<String>>) bySegment).lastKey();
        assertThat(first).as("first segment (the slot's start)").isEqualTo(expectedFirstSegment);
        List<WalFileName> names = new ArrayList<>();
        for (long seg = first; seg <= last; seg++) {
            WalFileName name = WalFileName.of(1, seg, segmentSize);
            List<String> present = bySegment.get(seg);
            if (present == null) {
                throw new AssertionError("gap: segment " + name + " is missing; archive: " + listing());
            }
            if (present.size() != 1) {
                throw new AssertionError("duplicate: segment " + name + " is there as " + present + "; archive: "
                        + listing());
            }
            WalFileName found = WalFileName.parse(present.get(0), segmentSize);
            if (found.partial() && seg != last) {
                throw new AssertionError("segment " + name + " is only a .partial, yet later segments exist"
                        + " (it can never be completed; restore cannot serve it); archive: " + listing());
            }
            assertThat(found.compression()).isEqualTo(WalFileName.Compression.NONE);
            names.add(found);
        }
        return names;
    }

    /**
     * (b) every complete segment is byte-identical to the server's; returns how many were compared. Each one
     * is compared again here, also those found identical after an earlier round: a later run that rewrote a
     * complete segment (a resume that went wrong) must not pass on an earlier match.
     */
    int assertCompleteSegmentsAreTheServers(List<WalFileName> names) throws Exception {
        int compared = 0;
        for (WalFileName n : names) {
            if (!n.partial()) {
                Path file = archive.resolve(n.toString());
                assertThat(Files.size(file)).as("size of %s", n).isEqualTo(segmentSize.bytes());
                assertSameBytes(n.toString(), file, segmentSize.bytes(), "complete segment at the end of the run");
                compared++;
            }
        }
        return compared;
    }

    private void assertSameBytes(String serverFile, Path local, int length, String context) throws Exception {
        String server = queryString("SELECT encode(sha256(pg_read_binary_file('pg_wal/' || ?, 0, ?)), 'hex')",
                serverFile, (long) length);
        String mine = sha256(local, length);
        if (!server.equals(mine)) {
            // find where, for the message
            byte[] theirs = pg.readWalFile(serverFile);
            byte[] ours = Files.readAllBytes(local);
            int at = 0;
            while (at < length && at < ours.length && ours[at] == theirs[at]) {
                at++;
            }
            long lsn = WalFileName.parse(serverFile, segmentSize).startLsn().value() + at;
            throw new AssertionError(context + ": " + local.getFileName() + " differs from the server's pg_wal/"
                    + serverFile + " at offset " + at + " (LSN " + Lsn.format(lsn) + "), comparing its first "
                    + length + " bytes; local file has " + ours.length + " bytes");
        }
    }

    private static String sha256(Path file, int length) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        long left = length;
        try (InputStream in = Files.newInputStream(file)) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new AssertionError(file.getFileName() + " has fewer than " + length + " bytes");
                }
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Names of the {@code .partial} files in the archive now. */
    Set<String> partials() throws IOException {
        if (!Files.isDirectory(archive)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(archive)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".partial"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /**
     * Polls the archive until it holds two {@code .partial} files, one of them new since {@code before}
     * (the writer opened the next segment before the finished one was renamed), or {@code timeoutMillis}
     * passed. True if seen.
     */
    boolean awaitSecondPartial(Set<String> before, long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            Set<String> now = partials();
            if (now.size() >= 2 && !before.containsAll(now)) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** How many files, and the last three. */
    String shortListing() throws IOException {
        if (!Files.isDirectory(archive)) {
            return "(no archive directory yet)";
        }
        try (Stream<Path> files = Files.list(archive)) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(WalFileName::isWalFileName).sorted().toList();
            return names.size() + " segment files, ..." + names.subList(Math.max(0, names.size() - 3), names.size());
        }
    }

    String listing() throws IOException {
        if (!Files.isDirectory(archive)) {
            return "(no archive directory yet)";
        }
        try (Stream<Path> files = Files.list(archive)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList().toString();
        }
    }

    /** Dirty bits of page-cache pages of a file, from /proc (Linux, as root with CAP_SYS_ADMIN). */
    static final class PageFlags {
        static final long PAGE = 4096;
        private static final long KPF_DIRTY = 1L << 4;
        private static final long KPF_WRITEBACK = 1L << 8;
        private static final long KPF_COMPOUND_TAIL = 1L << 16;
        /** The largest page-cache folio on x86-64 and arm64 with 4 kB pages (PMD order). */
        private static final long MAX_FOLIO = 2L << 20;
        private static final long PRESENT = 1L << 63;
        private static final long PFN_MASK = (1L << 55) - 1;
        /** Where the bytes read to fault pages in go, so that the reads cannot be left out. */
        static volatile int sink;

        /** Without CAP_SYS_ADMIN the kernel gives every page frame number in pagemap as 0. */
        static final class NoPageFrameNumbers extends IOException {
            NoPageFrameNumbers(Path file, long offset) {
                super(file + ": page at offset " + offset + " is present, but /proc/self/pagemap gives its page frame"
                        + " number as 0 (no CAP_SYS_ADMIN)");
            }
        }

        /**
         * Whether the check works on the file system of {@code dir}: a page written there and not fsynced must
         * read as dirty, and clean once fsynced. Reading {@code /proc/kpageflags} is not enough: without
         * CAP_SYS_ADMIN every page frame number reads as 0, and the flags of frame 0 say nothing about the file.
         */
        static DirtyPageCheck probe(Path dir) {
            Path probe = null;
            try {
                address(ByteBuffer.allocateDirect(8));
                probe = Files.createTempFile(dir, "dirty-page-probe", ".bin");
                try (FileChannel ch = FileChannel.open(probe, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(new byte[(int) PAGE]).put(0, (byte) 1), 0);
                    long unsynced = firstDirtyPage(probe, 0, PAGE);
                    ch.force(true);
                    long synced = firstDirtyPage(probe, 0, PAGE);
                    if (unsynced != 0) {
                        return new DirtyPageCheck(false, "a page written and not fsynced does not read as dirty");
                    }
                    if (synced != -1) {
                        return new DirtyPageCheck(false, "a page still reads as dirty after fsync");
                    }
                    return new DirtyPageCheck(true, "a page written and not fsynced reads dirty, clean after fsync");
                }
            } catch (NoPageFrameNumbers e) {
                return new DirtyPageCheck(false, e.getMessage());
            } catch (Exception | LinkageError e) {
                return new DirtyPageCheck(false, "page flags cannot be read (" + e + ")");
            } finally {
                if (probe != null) {
                    try {
                        Files.deleteIfExists(probe);
                    } catch (IOException e) {
                        System.out.println("could not remove " + probe + ": " + e);
                    }
                }
            }
        }

        private static long address(Buffer direct) throws ReflectiveOperationException {
            // sun.nio.ch is exported to tests (test.jvmArgs); javac's --release does not allow naming it
            return (long) Class.forName("sun.nio.ch.DirectBuffer").getMethod("address").invoke(direct);
        }

        /** The offset of the first dirty (or under writeback) page in {@code [from, to)}, or -1. */
        static long firstDirtyPage(Path file, long from, long to) throws Exception {
            long[] flags = pageFlags(file, from, to);
            for (int i = 0; i < flags.length; i++) {
                if ((flags[i] & (KPF_DIRTY | KPF_WRITEBACK)) != 0) {
                    return from + i * PAGE;
                }
            }
            return -1;
        }

        /**
         * The offset of the first dirty (or under writeback) page in {@code [from, to)} whose folio ends at or before
         * {@code to}, or -1. The kernel keeps one dirty bit per folio, and a folio can hold many pages (a large
         * folio: a head page and its tail pages): a write past {@code to} marks its whole folio dirty, the pages
         * before {@code to} too, with the bytes an fsync already wrote (reliability.md: the dirty pages at 1 MB
         * boundaries). Such a folio, reaching past {@code to}, is counted in {@code pastTo[0]}, not returned.
         */
        static long firstDirtyPageOfAFolioBelow(Path file, long from, long to, long[] pastTo) throws Exception {
            long end = Math.min(Files.size(file), to + MAX_FOLIO);
            long[] flags = pageFlags(file, from, end);
            int below = (int) ((to - from) / PAGE);
            for (int i = 0; i < below; i++) {
                if ((flags[i] & (KPF_DIRTY | KPF_WRITEBACK)) == 0) {
                    continue;
                }
                int next = i + 1;
                while (next < flags.length && (flags[next] & KPF_COMPOUND_TAIL) != 0) {
                    next++; // the rest of page i's folio
                }
                if (next <= below) {
                    return from + i * PAGE;
                }
                pastTo[0]++;
                System.out.println(file.getFileName() + ": pages " + (from + i * PAGE) + " to " + (from + next * PAGE)
                        + " dirty, one folio reaching past the reported flush's page at " + to + " (a write past it)");
                return -1; // the folio reaches past to: so does the scan
            }
            return -1;
        }

        /** The kpageflags of each page of {@code file} in {@code [from, to)}, each read in first. */
        private static long[] pageFlags(Path file, long from, long to) throws Exception {
            try (FileChannel ch = FileChannel.open(file);
                    FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"));
                    FileChannel kpageflags = FileChannel.open(Path.of("/proc/kpageflags"))) {
                MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, from, to - from);
                long base = address(map);
                ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
                long[] flags = new long[(int) ((to - from) / PAGE)];
                int touched = 0;
                for (int i = 0; i < flags.length; i++) {
                    long off = i * PAGE;
                    long pm = 0;
                    // fault the page in: a page not cached is read from disk, clean; again if it was evicted since
                    for (int attempt = 0; attempt < 3 && (pm & PRESENT) == 0; attempt++) {
                        touched += map.get((int) off);
                        entry.clear();
                        pagemap.read(entry, (base + off) / PAGE * 8);
                        pm = entry.getLong(0);
                    }
                    if ((pm & PRESENT) == 0) {
                        throw new IOException(file + ": page at offset " + (from + off) + " not in memory after"
                                + " reading it three times: its flags cannot be checked");
                    }
                    long pfn = pm & PFN_MASK;
                    if (pfn == 0) {
                        throw new NoPageFrameNumbers(file, from + off);
                    }
                    entry.clear();
                    kpageflags.read(entry, pfn * 8);
                    flags[i] = entry.getLong(0);
                }
                sink = touched;
                return flags;
            }
        }
    }

    /** (c) {@code walstream verify -D DIR} exits 0. */
    void assertVerifyPasses() throws Exception {
        int code = run("verify", 300, "verify", "-D", archive.toString());
        assertThat(code).as("walstream verify exit code; output:\n%s", log("verify")).isZero();
    }
}
