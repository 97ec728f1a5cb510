package io.walstream.cli;

import io.walstream.archiver.ArchiveDirectory;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code walstream status -D DIR}: what an archive holds and whether a receiver is writing it. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show what an archive directory holds: cluster, timelines, segments, the segment being "
                + "received and how long ago it was written, and whether a receiver is running.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR", description = "Archive directory.")
    Path directory;

    /** The facts shown, also for embedding. */
    record Status(String directory, String systemIdentifier, Integer segmentSize, boolean receiverRunning,
            List<Integer> timelines, int completeSegments, int partialSegments, int compressedSegments,
            String firstSegment, String lastSegment, String receivingSegment, Long secondsSinceLastWrite,
            long bytes) {
    }

    @Override
    public Integer call() throws IOException {
        Status s = status(ArchiveDirectory.open(directory));
        print(s, System.out);
        return 0;
    }

    static Status status(ArchiveDirectory dir) throws IOException {
        var identity = dir.identity();
        WalSegmentSize size = identity.map(ArchiveDirectory.Identity::segmentSize).orElse(WalSegmentSize.DEFAULT);
        List<WalFileName> segments = dir.segments(size);
        int complete = 0;
        int partial = 0;
        int compressed = 0;
        long bytes = 0;
        WalFileName receiving = null;
        Instant newest = null;
        for (WalFileName name : segments) {
            Path file = dir.resolve(name.toString());
            bytes += Files.size(file);
            Instant modified = Files.getLastModifiedTime(file).toInstant();
            if (newest == null || modified.isAfter(newest)) {
                newest = modified;
            }
            if (name.partial()) {
                partial++;
                receiving = name;
            } else {
                complete++;
                if (name.compression() != WalFileName.Compression.NONE) {
                    compressed++;
                }
            }
        }
        return new Status(dir.path().toString(),
                identity.map(ArchiveDirectory.Identity::systemIdString).orElse(null),
                identity.map(i -> i.segmentSize().bytes()).orElse(null),
                dir.isLockedByReceiver(), timelines(dir, segments), complete, partial, compressed,
                segments.isEmpty() ? null : segments.get(0).toString(),
                segments.isEmpty() ? null : segments.get(segments.size() - 1).toString(),
                receiving == null ? null : receiving.toString(),
                newest == null ? null : Duration.between(newest, Instant.now()).toSeconds(), bytes);
    }

    private static List<Integer> timelines(ArchiveDirectory dir, List<WalFileName> segments) {
        java.util.TreeSet<Integer> tlis = new java.util.TreeSet<>(dir.historyTimelines());
        segments.forEach(s -> tlis.add(s.timeline()));
        return List.copyOf(tlis);
    }

    static void print(Status s, PrintStream out) {
        out.printf("archive:            %s%n", s.directory());
        out.printf("database system:    %s%n", s.systemIdentifier() == null ? "unknown (no walstream.identity)"
                : s.systemIdentifier());
        if (s.segmentSize() != null) {
            out.printf("segment size:       %s%n", WalSegmentSize.ofBytes(s.segmentSize()));
        }
        out.printf("receiver running:   %s%n", s.receiverRunning() ? "yes" : "no");
        out.printf("timelines:          %s%n", s.timelines());
        out.printf("segments:           %d complete (%d compressed), %d partial, %.1f MB%n", s.completeSegments(),
                s.compressedSegments(), s.partialSegments(), s.bytes() / 1e6);
        if (s.firstSegment() != null) {
            out.printf("first .. last:      %s .. %s%n", s.firstSegment(), s.lastSegment());
        }
        if (s.receivingSegment() != null) {
            out.printf("receiving into:     %s%n", s.receivingSegment());
        }
        if (s.secondsSinceLastWrite() != null) {
            out.printf("last write:         %d s ago%n", s.secondsSinceLastWrite());
        }
    }
}
