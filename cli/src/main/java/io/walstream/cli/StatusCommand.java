package io.walstream.cli;

import io.walstream.archiver.ArchiveDirectory;
import io.walstream.archiver.ArchiveEnd;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.replication.IdentifySystem;
import io.walstream.protocol.replication.ReplicationSlotInfo;
import io.walstream.walreceiver.ReplicationConnection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walstream status -D DIR [-d CONNINFO [--slot NAME]] [--json]}: what an archive holds, where its WAL ends,
 * whether a receiver is writing it and, given a connection, how far behind the server it is and the slot's state.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show what an archive directory holds: cluster, timelines, segments, where its WAL ends, the"
                + " segment being received and how long ago it was written, and whether a receiver is running.",
            "With a connection: the server's position, the archive's lag behind it, and the slot's state."})
final class StatusCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR", description = "Archive directory.")
    Path directory;

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-S", "--slot"}, paramLabel = "NAME", description = "Replication slot to report on"
            + " (READ_REPLICATION_SLOT: PostgreSQL 15+).")
    String slot;

    @Option(names = "--json", description = "Print the status as JSON on stdout.")
    boolean json;

    /**
     * The facts shown, also for embedding.
     *
     * @param walEnd     end of the last whole WAL record on disk (what the receiver wrote; durable once it stopped)
     * @param resumeLsn  where a receiver resumes streaming
     * @param server     null without a connection
     */
    record Status(String directory, String systemIdentifier, Integer segmentSize, boolean receiverRunning,
            List<Integer> timelines, int completeSegments, int partialSegments, int compressedSegments,
            String firstSegment, String lastSegment, String receivingSegment, Long secondsSinceLastWrite,
            long bytes, Lsn walEnd, Lsn resumeLsn, Server server) {

        Status withServer(Server s) {
            return new Status(directory, systemIdentifier, segmentSize, receiverRunning, timelines, completeSegments,
                    partialSegments, compressedSegments, firstSegment, lastSegment, receivingSegment,
                    secondsSinceLastWrite, bytes, walEnd, resumeLsn, s);
        }
    }

    /**
     * The server's side, from IDENTIFY_SYSTEM.
     *
     * @param lagBytes server position minus {@link Status#walEnd()}; null when the archive is empty or of another system
     * @param slot     null without {@code --slot}
     */
    record Server(String host, int version, String systemIdentifier, boolean sameSystem, int timeline, Lsn position,
            Long lagBytes, Slot slot) {
    }

    /**
     * READ_REPLICATION_SLOT's answer.
     *
     * @param exists          null when the server is too old to say (before 15)
     * @param retainedBytes   WAL the slot holds back on the server: position minus restart_lsn
     */
    record Slot(String name, Boolean exists, String type, Lsn restartLsn, Integer restartTimeline, Long retainedBytes) {
    }

    @Override
    public Integer call() throws IOException {
        Status s = status(ArchiveDirectory.open(directory));
        if (connection.given()) {
            s = s.withServer(server(s));
        } else if (slot != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--slot needs a connection (-d CONNINFO)");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(toJson(s)));
        } else {
            print(s, out);
        }
        out.flush();
        return 0;
    }

    private Server server(Status archive) {
        try (ReplicationConnection c = ReplicationConnection.open(connection.resolve())) {
            IdentifySystem id = c.identifySystem();
            int version = c.serverVersion().major();
            boolean same = archive.systemIdentifier() == null || archive.systemIdentifier().equals(id.systemIdString());
            Long lag = same && archive.walEnd() != null ? id.xlogPos().value() - archive.walEnd().value() : null;
            Slot slotState = null;
            if (slot != null) {
                if (version < 15) {
                    slotState = new Slot(slot, null, null, null, null, null);
                } else {
                    Optional<ReplicationSlotInfo> info = c.readReplicationSlot(slot);
                    slotState = info.map(i -> new Slot(slot, true, i.slotType(), i.restartLsn(),
                                    i.restartTimeline() == 0 ? null : i.restartTimeline(), i.restartLsn() == null ? null
                                    : id.xlogPos().value() - i.restartLsn().value()))
                            .orElse(new Slot(slot, false, null, null, null, null));
                }
            }
            return new Server(c.server().toString(), version, id.systemIdString(), same, id.timeline(), id.xlogPos(), lag,
                    slotState);
        }
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
        Optional<ArchiveEnd> end = ArchiveEnd.of(dir, size);
        return new Status(dir.path().toString(),
                identity.map(ArchiveDirectory.Identity::systemIdString).orElse(null),
                identity.map(i -> i.segmentSize().bytes()).orElse(null),
                dir.isLockedByReceiver(), timelines(dir, segments), complete, partial, compressed,
                segments.isEmpty() ? null : segments.get(0).toString(),
                segments.isEmpty() ? null : segments.get(segments.size() - 1).toString(),
                receiving == null ? null : receiving.toString(),
                newest == null ? null : Duration.between(newest, Instant.now()).toSeconds(), bytes,
                end.map(ArchiveEnd::walEnd).orElse(null), end.map(ArchiveEnd::resumePoint).orElse(null), null);
    }

    private static List<Integer> timelines(ArchiveDirectory dir, List<WalFileName> segments) {
        java.util.TreeSet<Integer> tlis = new java.util.TreeSet<>(dir.historyTimelines());
        segments.forEach(s -> tlis.add(s.timeline()));
        return List.copyOf(tlis);
    }

    static void print(Status s, PrintWriter out) {
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
        if (s.walEnd() != null) {
            out.printf("WAL ends at:        %s (resumes at %s)%n", s.walEnd(), s.resumeLsn());
        }
        if (s.secondsSinceLastWrite() != null) {
            out.printf("last write:         %d s ago%n", s.secondsSinceLastWrite());
        }
        Server srv = s.server();
        if (srv != null) {
            out.printf("server:             %s, PostgreSQL %d, system %s%s%n", srv.host(), srv.version(),
                    srv.systemIdentifier(), srv.sameSystem() ? "" : " (NOT the archive's system)");
            out.printf("server position:    %s on timeline %d%s%n", srv.position(), srv.timeline(),
                    srv.lagBytes() == null ? "" : ", archive " + srv.lagBytes() + " bytes behind");
            Slot sl = srv.slot();
            if (sl != null) {
                out.printf("slot %s:%s%s%n", sl.name(), " ".repeat(Math.max(1, 14 - sl.name().length())),
                        sl.exists() == null ? "unknown (READ_REPLICATION_SLOT needs PostgreSQL 15)"
                        : !sl.exists() ? "does not exist"
                        : sl.type() + ", restart_lsn " + (sl.restartLsn() == null ? "none (no WAL reserved)"
                        : sl.restartLsn() + " on timeline " + sl.restartTimeline() + ", holding " + sl.retainedBytes()
                        + " bytes of WAL"));
            }
        }
    }

    /** The JSON shape: the record's components in order; LSNs as "X/Y" strings, the system identifier as a string. */
    static Map<String, Object> toJson(Status s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("directory", s.directory());
        m.put("systemIdentifier", s.systemIdentifier());
        m.put("segmentSize", s.segmentSize());
        m.put("receiverRunning", s.receiverRunning());
        m.put("timelines", s.timelines());
        m.put("completeSegments", s.completeSegments());
        m.put("partialSegments", s.partialSegments());
        m.put("compressedSegments", s.compressedSegments());
        m.put("firstSegment", s.firstSegment());
        m.put("lastSegment", s.lastSegment());
        m.put("receivingSegment", s.receivingSegment());
        m.put("secondsSinceLastWrite", s.secondsSinceLastWrite());
        m.put("bytes", s.bytes());
        m.put("walEnd", s.walEnd());
        m.put("resumeLsn", s.resumeLsn());
        Server srv = s.server();
        if (srv == null) {
            m.put("server", null);
            return m;
        }
        Map<String, Object> sm = new LinkedHashMap<>();
        sm.put("host", srv.host());
        sm.put("version", srv.version());
        sm.put("systemIdentifier", srv.systemIdentifier());
        sm.put("sameSystem", srv.sameSystem());
        sm.put("timeline", srv.timeline());
        sm.put("position", srv.position());
        sm.put("lagBytes", srv.lagBytes());
        Slot sl = srv.slot();
        if (sl == null) {
            sm.put("slot", null);
        } else {
            Map<String, Object> slm = new LinkedHashMap<>();
            slm.put("name", sl.name());
            slm.put("exists", sl.exists());
            slm.put("type", sl.type());
            slm.put("restartLsn", sl.restartLsn());
            slm.put("restartTimeline", sl.restartTimeline());
            slm.put("retainedBytes", sl.retainedBytes());
            sm.put("slot", slm);
        }
        m.put("server", sm);
        return m;
    }
}
