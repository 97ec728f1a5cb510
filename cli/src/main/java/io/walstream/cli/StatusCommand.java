package io.walstream.cli;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.ArchiveEnd;
import io.walstream.archiver.store.WalStore;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.replication.IdentifySystem;
import io.walstream.protocol.replication.ReplicationSlotInfo;
import io.walstream.walreceiver.ReplicationConnection;
import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.jdbc.PgJdbcWalSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walstream status -D DIR [-d CONNINFO [--slot NAME]] [--json]}: what an archive holds, where its WAL ends,
 * whether a receiver is writing it and, given a connection, how far behind the server it is and the slot's state.
 */
// No mixinStandardHelpOptions: its -h collides with the connection's -h (host) and picocli then loses --help too.
@Command(name = "status", versionProvider = Walstream.Version.class,
        description = {"Show what an archive directory holds and whether a receiver is running.",
            "The cluster, timelines, segments, where its WAL ends, the segment being received and how long ago it"
                + " was written.",
            "With a connection: the server's position, the archive's lag behind it, and the slot's state."})
final class StatusCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(StatusCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR",
            description = "Archive directory, or s3://BUCKET/PREFIX (object storage).")
    String directory;

    @Mixin
    S3Options s3;

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-S", "--slot"}, paramLabel = "NAME", description = "Replication slot to report on"
            + " (READ_REPLICATION_SLOT: PostgreSQL 15+).")
    String slot;

    @Option(names = "--archive", paramLabel = "s3://BUCKET/PREFIX", description = "With -D a receiver's spool: also"
            + " show the object store it uploads into and how far behind the spool it is.")
    String archive;

    @Option(names = "--json", description = "Print the status as JSON on stdout.")
    boolean json;

    @Mixin
    HelpOptions helpOptions;

    /**
     * The facts shown, also for embedding.
     *
     * @param walEnd     end of the last whole WAL record on disk (what the receiver wrote; durable once it stopped)
     * @param resumeLsn  where a receiver resumes streaming
     * @param freeBytes  usable space on the archive's filesystem; null for object storage
     * @param lowOnSpace less than two segments free: a receiver will soon pause for space
     * @param store      the object store: {@code -D s3://...}, or {@code --archive} beside a spool; else null
     * @param server     null without a connection
     */
    record Status(String directory, String systemIdentifier, Integer segmentSize, boolean receiverRunning,
            List<Integer> timelines, int completeSegments, int partialSegments, int compressedSegments,
            String firstSegment, String lastSegment, String receivingSegment, Long secondsSinceLastWrite,
            long bytes, Lsn walEnd, Lsn resumeLsn, Long freeBytes, boolean lowOnSpace, Store store, Server server) {

        Status withServer(Server s) {
            return new Status(directory, systemIdentifier, segmentSize, receiverRunning, timelines, completeSegments,
                    partialSegments, compressedSegments, firstSegment, lastSegment, receivingSegment,
                    secondsSinceLastWrite, bytes, walEnd, resumeLsn, freeBytes, lowOnSpace, store, s);
        }

        Status withStore(Store s) {
            return new Status(directory, systemIdentifier, segmentSize, receiverRunning, timelines, completeSegments,
                    partialSegments, compressedSegments, firstSegment, lastSegment, receivingSegment,
                    secondsSinceLastWrite, bytes, walEnd, resumeLsn, freeBytes, lowOnSpace, s, server);
        }
    }

    /**
     * An object store's WAL, as uploads left it.
     *
     * @param newestObject     the newest segment in the store (complete, or a {@code .partial} upload)
     * @param newestAgeSeconds how long ago it was stored
     * @param archivedLsn      where the store's WAL ends
     * @param lagBytes         with a spool: the spool's end of WAL minus {@code archivedLsn}; else null
     * @param lagSeconds       with a spool: how long ago the oldest spool segment the store lacks was last written
     *                         (a lower bound for the age of the oldest WAL not yet archived; 0 when it lacks none)
     */
    record Store(String location, String newestObject, Long newestAgeSeconds, Lsn archivedLsn, Long lagBytes,
            Long lagSeconds) {
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
     * The slot, from READ_REPLICATION_SLOT (15+) and, when a plain SQL connection is allowed, pg_replication_slots.
     *
     * @param exists        null when neither source could say
     * @param retainedBytes WAL the slot holds back on the server: position minus restart_lsn
     * @param active        whether a client streams from it now (pg_replication_slots)
     * @param walStatus     reserved, extended, unreserved or lost (pg_replication_slots)
     * @param safeWalSize   bytes that can still be written before the slot is in danger of losing WAL; null if no limit
     * @param catalogError  why pg_replication_slots could not be read (e.g. pg_hba allows replication only)
     */
    record Slot(String name, Boolean exists, String type, Lsn restartLsn, Integer restartTimeline, Long retainedBytes,
            Boolean active, String walStatus, Long safeWalSize, String catalogError) {
    }

    @Override
    public Integer call() throws IOException {
        Status s;
        ArchiveLocation remote = archive == null ? null : ArchiveLocation.parse(archive, spec);
        if (remote != null && !remote.isObjectStore()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--archive takes s3://BUCKET/PREFIX");
        }
        try (WalStore store = ArchiveLocation.parse(directory, spec).open(s3.settings())) {
            s = status(store);
            if (remote != null) {
                if (!(store instanceof ArchiveDirectory spool)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--archive needs -D DIR: the spool");
                }
                try (WalStore objects = remote.open(s3.settings())) {
                    s = s.withStore(store(objects, spool));
                }
            } else if (!(store instanceof ArchiveDirectory)) {
                s = s.withStore(store(store, null));
            }
        }
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
        ConnectionSettings settings = connection.resolve();
        try (ReplicationConnection c = ReplicationConnection.open(settings)) {
            IdentifySystem id = c.identifySystem();
            int version = c.serverVersion().major();
            boolean same = archive.systemIdentifier() == null || archive.systemIdentifier().equals(id.systemIdString());
            Long lag = same && archive.walEnd() != null ? id.xlogPos().value() - archive.walEnd().value() : null;
            Slot slotState = null;
            if (slot != null) {
                Optional<ReplicationSlotInfo> info = version < 15 ? null : c.readReplicationSlot(slot);
                slotState = catalogState(settings, id.xlogPos(), info);
            }
            return new Server(c.server().toString(), version, id.systemIdString(), same, id.timeline(), id.xlogPos(), lag,
                    slotState);
        }
    }

    /**
     * Adds what only pg_replication_slots knows (active, wal_status, safe_wal_size) through a plain pgjdbc connection
     * to the conninfo's database ("postgres" for the replication default). Best effort: a server that admits only
     * replication connections still gets READ_REPLICATION_SLOT's answer, with the reason in {@code catalogError}.
     */
    private Slot catalogState(ConnectionSettings settings, Lsn position, Optional<ReplicationSlotInfo> replicationInfo) {
        String db = ConnectionSettings.DEFAULT_DBNAME.equals(settings.dbname()) ? "postgres" : settings.dbname();
        Boolean exists = replicationInfo == null ? null : replicationInfo.isPresent();
        String type = replicationInfo == null ? null : replicationInfo.map(ReplicationSlotInfo::slotType).orElse(null);
        Lsn restart = replicationInfo == null ? null : replicationInfo.map(ReplicationSlotInfo::restartLsn).orElse(null);
        Integer restartTli = replicationInfo == null ? null : replicationInfo.map(ReplicationSlotInfo::restartTimeline)
                .filter(t -> t != 0).orElse(null);
        Boolean active = null;
        String walStatus = null;
        Long safeWalSize = null;
        String error = null;
        try (Connection sql = new Driver().connect(PgJdbcWalSource.jdbcUrl(settings, db),
                PgJdbcWalSource.jdbcProperties(settings));
                PreparedStatement st = sql.prepareStatement("SELECT slot_type, active, wal_status, restart_lsn::text,"
                        + " safe_wal_size FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                exists = rs.next();
                if (exists) {
                    type = rs.getString(1);
                    active = rs.getBoolean(2);
                    walStatus = rs.getString(3);
                    restart = rs.getString(4) == null ? null : Lsn.parse(rs.getString(4));
                    long safe = rs.getLong(5);
                    safeWalSize = rs.wasNull() ? null : safe;
                }
            }
        } catch (SQLException | RuntimeException e) {
            error = String.valueOf(e.getMessage()).replace('\n', ' ');
            log.debug("could not read pg_replication_slots", e);
        }
        Long retained = restart == null || !restart.isValid() ? null : position.value() - restart.value();
        return new Slot(slot, exists, type, restart, restartTli, retained, active, walStatus, safeWalSize, error);
    }

    static Status status(WalStore dir) throws IOException {
        var identity = dir.identity();
        WalSegmentSize size = identity.map(ArchiveDirectory.Identity::segmentSize).orElse(WalSegmentSize.DEFAULT);
        List<WalFileName> segments = dir.segments(size);
        int complete = 0;
        int partial = 0;
        int compressed = 0;
        long bytes = 0;
        WalFileName receiving = null;
        Instant newest = null;
        Map<String, WalStore.StoredFile> files = new HashMap<>();
        dir.list().forEach(f -> files.put(f.name(), f));
        for (WalFileName name : segments) {
            WalStore.StoredFile file = files.get(name.toString());
            if (file == null) {
                continue; // renamed or compressed by the receiver between two listings
            }
            bytes += file.size();
            Instant modified = file.modified();
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
        // Free space matters where the receiver writes: a directory (for object storage, its spool).
        Long free = dir instanceof ArchiveDirectory d ? Files.getFileStore(d.path()).getUsableSpace() : null;
        return new Status(dir.location(),
                identity.map(ArchiveDirectory.Identity::systemIdString).orElse(null),
                identity.map(i -> i.segmentSize().bytes()).orElse(null),
                dir.receiverActive(), timelines(dir, segments), complete, partial, compressed,
                segments.isEmpty() ? null : segments.get(0).toString(),
                segments.isEmpty() ? null : segments.get(segments.size() - 1).toString(),
                receiving == null ? null : receiving.toString(),
                newest == null ? null : Duration.between(newest, Instant.now()).toSeconds(), bytes,
                end.map(ArchiveEnd::walEnd).orElse(null), end.map(ArchiveEnd::resumePoint).orElse(null), free,
                free != null && free < 2L * size.bytes(), null, null);
    }

    /** The object store's newest segment and where its WAL ends; with the spool beside it, how far behind. */
    static Store store(WalStore objects, ArchiveDirectory spool) throws IOException {
        WalSegmentSize size = objects.identity().or(() -> spool == null ? Optional.empty() : spool.identity())
                .map(ArchiveDirectory.Identity::segmentSize).orElse(WalSegmentSize.DEFAULT);
        Map<String, WalStore.StoredFile> stored = new HashMap<>();
        objects.list().forEach(f -> stored.put(f.name(), f));
        List<WalFileName> segments = objects.segments(size);
        WalFileName newest = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        Instant now = Instant.now();
        WalStore.StoredFile newestFile = newest == null ? null : stored.get(newest.toString());
        Lsn archived = ArchiveEnd.of(objects, size).map(ArchiveEnd::walEnd).orElse(null);
        Long lagBytes = null;
        Long lagSeconds = null;
        if (spool != null) {
            Lsn spoolEnd = ArchiveEnd.of(spool, size).map(ArchiveEnd::walEnd).orElse(null);
            lagBytes = spoolEnd == null ? 0 : Math.max(0, spoolEnd.value() - (archived == null ? 0 : archived.value()));
            lagSeconds = 0L;
            Map<String, WalStore.StoredFile> local = new HashMap<>();
            spool.list().forEach(f -> local.put(f.name(), f));
            for (WalFileName segment : spool.segments(size)) { // oldest first
                if (!archivedWhole(stored.keySet(), segment) && (archived == null
                        || segment.endLsn().value() > archived.value()) && local.containsKey(segment.toString())) {
                    lagSeconds = Math.max(0, Duration.between(local.get(segment.toString()).modified(), now)
                            .toSeconds());
                    break;
                }
            }
        }
        return new Store(objects.location(), newest == null ? null : newest.toString(),
                newestFile == null ? null : Math.max(0, Duration.between(newestFile.modified(), now).toSeconds()),
                archived, lagBytes, lagSeconds);
    }

    private static boolean archivedWhole(java.util.Set<String> stored, WalFileName segment) {
        for (WalFileName.Compression c : WalFileName.Compression.values()) {
            if (stored.contains(segment.withPartial(false).withCompression(c).toString())) {
                return true;
            }
        }
        return false;
    }

    private static List<Integer> timelines(WalStore dir, List<WalFileName> segments) {
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
        if (s.freeBytes() != null) {
            out.printf("free space:         %.1f MB%s%n", s.freeBytes() / 1e6, s.lowOnSpace()
                    ? " - LOW: less than two segments; a receiver pauses (losing nothing) when the disk is full" : "");
        }
        Store st = s.store();
        if (st != null) {
            out.printf("object store:       %s%n", st.location());
            out.printf("  newest object:    %s%n", st.newestObject() == null ? "none"
                    : st.newestObject() + " (stored " + st.newestAgeSeconds() + " s ago)");
            if (st.archivedLsn() != null) {
                out.printf("  WAL ends at:      %s%n", st.archivedLsn());
            }
            if (st.lagBytes() != null) {
                out.printf("  behind the spool: %d bytes, %d s%n", st.lagBytes(), st.lagSeconds());
            }
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
                        sl.exists() == null ? "unknown (" + sl.catalogError() + ")"
                        : !sl.exists() ? "does not exist"
                        : sl.type() + (sl.active() == null ? "" : sl.active() ? ", active" : ", inactive")
                        + (sl.walStatus() == null ? "" : ", wal_status " + sl.walStatus())
                        + ", restart_lsn " + (sl.restartLsn() == null ? "none (no WAL reserved)"
                        : sl.restartLsn() + ", holding " + sl.retainedBytes() + " bytes of WAL")
                        + (sl.safeWalSize() == null ? "" : ", " + sl.safeWalSize() + " bytes until it is at risk"));
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
        m.put("freeBytes", s.freeBytes());
        m.put("lowOnSpace", s.lowOnSpace());
        Store st = s.store();
        if (st == null) {
            m.put("store", null);
        } else {
            Map<String, Object> stm = new LinkedHashMap<>();
            stm.put("location", st.location());
            stm.put("newestObject", st.newestObject());
            stm.put("newestAgeSeconds", st.newestAgeSeconds());
            stm.put("archivedLsn", st.archivedLsn());
            stm.put("lagBytes", st.lagBytes());
            stm.put("lagSeconds", st.lagSeconds());
            m.put("store", stm);
        }
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
            slm.put("active", sl.active());
            slm.put("walStatus", sl.walStatus());
            slm.put("safeWalSize", sl.safeWalSize());
            slm.put("catalogError", sl.catalogError());
            sm.put("slot", slm);
        }
        m.put("server", sm);
        return m;
    }
}
