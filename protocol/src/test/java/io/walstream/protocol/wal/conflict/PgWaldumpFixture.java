package io.walstream.protocol.wal.conflict;

import io.walstream.pgcluster.PgBinaries;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.SyntheticWal;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordReader;
import io.walstream.protocol.wal.XLogRecordHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Test fixture: WAL of PostgreSQL 15 and what pg_waldump 15 prints of it, committed under
 * {@code src/test/resources/io/walstream/protocol/wal/conflict/pg_waldump15/}, so that the comparison with pg_waldump
 * runs on machines without it ({@link PgWaldumpFixtureTest}).
 *
 * <p>The server's WAL of {@link ConflictWorkload} is about 600,000 records in five 16 MB segments; the fixture keeps
 * the records the decoder decodes and every 400th of the others (about 6,000, 1.4 MB), each with the server's own
 * header fields and body (full-page images included), laid out again in 1 MB segments with new LSNs, prev-links and
 * CRCs ({@link SyntheticWal}); gzipped, 300 kB. pg_waldump 15 then reads that WAL, so its output describes exactly
 * the fixture's bytes.
 *
 * <p>Regenerate (needs pg_waldump 15: {@link PgBinaries#clientTool}):
 * <pre>
 * ./mvnw -B -pl protocol -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.skip=true \
 *     -Dit.test=ConflictRecordDecoderIT -Dfailsafe.failIfNoSpecifiedTests=false -DconflictIT.majors=15 \
 *     -DconflictIT.writeFixture=src/test/resources/io/walstream/protocol/wal/conflict/pg_waldump15
 * </pre>
 */
final class PgWaldumpFixture {

    static final String RESOURCE = "pg_waldump15/";
    static final WalSegmentSize SEGMENT_SIZE = WalSegmentSize.ofBytes(1 << 20);
    /** Of the records the decoder leaves as Other, keep one in this many. */
    private static final int OTHER_SAMPLE = 400;

    private PgWaldumpFixture() {
    }

    /** The fixture's segments, unpacked into {@code dir}, in order. */
    static List<Path> segments(Path dir) {
        List<Path> segments = new ArrayList<>();
        for (String name : lines("segments.txt")) {
            Path file = dir.resolve(name);
            try (InputStream in = new GZIPInputStream(resource(name + ".gz"))) {
                Files.copy(in, file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            segments.add(file);
        }
        return segments;
    }

    /** pg_waldump's output of the segments ({@code --stats=record} with {@code stats}). */
    static String pgWaldump(boolean stats) {
        try (InputStream in = new GZIPInputStream(resource(stats ? "pg_waldump-stats.txt.gz" : "pg_waldump.txt.gz"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(String name) {
        try (InputStream in = resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = PgWaldumpFixture.class.getResourceAsStream(RESOURCE + name);
        if (in == null) {
            throw new IllegalStateException("test resource " + RESOURCE + name + " missing; see PgWaldumpFixture");
        }
        return in;
    }

    /**
     * Writes the fixture into {@code to} from the server's segments of a PostgreSQL 15 workload: the records
     * selected, laid out again, gzipped, and pg_waldump 15's output of them.
     */
    static void write(Path to, List<Path> serverSegments, Path scratch) throws Exception {
        List<WalRecordBytes> kept = new ArrayList<>();
        int others = 0;
        long bytes = 0;
        try (WalRecordReader reader = WalRecordReader.open(serverSegments)) {
            while (reader.next()) {
                WalRecord r = reader.record();
                boolean decoded = !(ConflictRecordDecoder.decode(r) instanceof ConflictRecord.Other);
                if (decoded || others++ % OTHER_SAMPLE == 0) {
                    byte[] all = r.copyBytes();
                    kept.add(new WalRecordBytes(r.rmid(), r.info(), r.xid(),
                        Arrays.copyOfRange(all, XLogRecordHeader.SIZE, all.length)));
                    bytes += all.length;
                }
            }
        }
        int segmentCount = (int) (bytes * 11 / 10 / SEGMENT_SIZE.bytes()) + 2;
        SyntheticWal wal = new SyntheticWal(SEGMENT_SIZE.bytes(), SEGMENT_SIZE.bytes(), segmentCount, 15, 1);
        for (WalRecordBytes r : kept) {
            wal.append(r.rmid(), r.info(), r.xid(), r.body());
        }
        int used = (int) ((wal.position() - wal.base + SEGMENT_SIZE.bytes() - 1) / SEGMENT_SIZE.bytes());

        Path walDir = Files.createDirectories(scratch.resolve("fixture-wal"));
        Files.createDirectories(to);
        try (var old = Files.list(to)) { // a fixture of fewer segments must not leave the last one's behind
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < used; i++) {
            String name = WalFileName.of(1, 1 + i, SEGMENT_SIZE).segmentName();
            byte[] segment = Arrays.copyOfRange(wal.bytes, i * SEGMENT_SIZE.bytes(), (i + 1) * SEGMENT_SIZE.bytes());
            Files.write(walDir.resolve(name), segment);
            gzip(to.resolve(name + ".gz"), segment);
            names.add(name);
        }
        Files.writeString(to.resolve("segments.txt"), String.join("\n", names) + "\n");
        String first = names.get(0);
        String last = names.get(names.size() - 1);
        gzip(to.resolve("pg_waldump.txt.gz"), run(walDir, first, last).getBytes(StandardCharsets.UTF_8));
        gzip(to.resolve("pg_waldump-stats.txt.gz"),
            run(walDir, "--stats=record", first, last).getBytes(StandardCharsets.UTF_8));
        System.out.printf("wrote %s: %d records (%d kB) in %d segments%n", to, kept.size(), bytes / 1024, used);
    }

    private record WalRecordBytes(int rmid, int info, int xid, byte[] body) {
    }

    private static void gzip(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
    }

    /** pg_waldump 15 on {@code dir}; its complaint about the zeros where the WAL ends goes to stderr, discarded. */
    private static String run(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PgBinaries.clientTool(15, "pg_waldump").toString(), "-p",
            dir.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("TZ", "UTC"); // xact times as UTC
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish in 60 s");
        }
        return out;
    }
}
