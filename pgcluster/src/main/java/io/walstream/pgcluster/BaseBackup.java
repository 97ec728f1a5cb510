package io.walstream.pgcluster;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A base backup of a running primary into a new data directory: {@code pg_basebackup -X stream},
 * or, where the binaries lack it, the low-level backup API around a copy of the data directory.
 */
final class BaseBackup {

    /** Contents a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low Level API"). */
    private static final Set<String> EMPTIED_IN_BACKUP = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    private static final Set<String> OMITTED_FROM_BACKUP = Set.of("postmaster.pid", "postmaster.opts",
            "pg_internal.init", "backup_label", "tablespace_map", "standby.signal", "recovery.signal");

    private final PgCluster primary;

    BaseBackup(PgCluster primary) {
        this.primary = primary;
    }

    /** {@code pg_basebackup} over loopback TCP as the superuser, through {@code slot} when not null. */
    void withTool(Path target, String slot) {
        PgBinaries binaries = primary.binaries();
        if (!binaries.has("pg_basebackup")) {
            throw new PgClusterException(binaries.binDir() + " has no pg_basebackup; use BackupMethod.LOW_LEVEL_API");
        }
        List<String> cmd = new ArrayList<>(List.of(binaries.tool("pg_basebackup").toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(primary.port()), "-U", primary.superuser(), "-D", target.toString(),
                "-X", "stream", "-c", "fast", "--no-sync"));
        if (slot != null) {
            cmd.addAll(List.of("-S", slot));
        }
        primary.account().run(cmd, Map.of("PGPASSWORD", primary.password(),
                "PGSSLMODE", primary.tlsRequired() ? "require" : "prefer"), ServerProcess.TOOL_TIMEOUT);
    }

    /** Backup start, a copy of the data directory, backup stop, and the backup_label (and tablespace_map) it returns. */
    void withLowLevelApi(Path target) throws IOException {
        boolean v15 = primary.serverVersionNum() >= 150000;
        // The backup must start and stop on the same session (non-exclusive backup).
        try (Connection c = primary.connect(); Statement s = c.createStatement()) {
            s.execute(v15 ? "SELECT pg_backup_start('walstream pgcluster', true)"
                    : "SELECT pg_start_backup('walstream pgcluster', true, false)");
            copyDataDirectory(primary.dataDir(), target);
            try (ResultSet rs = s.executeQuery(v15 ? "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)"
                    : "SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)")) {
                rs.next();
                Files.writeString(target.resolve("backup_label"), rs.getString(1));
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(target.resolve("tablespace_map"), spcmap);
                }
            }
        } catch (SQLException e) {
            throw primary.failure("low-level base backup failed: " + e.getMessage(), e);
        }
    }

    /** Copies a live data directory, leaving out what a base backup leaves out; files dropped meanwhile are skipped. */
    private static void copyDataDirectory(Path dataDir, Path target) throws IOException {
        Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path rel = dataDir.relativize(d);
                if (rel.getFileName() != null && rel.getFileName().toString().startsWith("pgsql_tmp")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(target.resolve(rel.toString()));
                Files.setPosixFilePermissions(target.resolve(rel.toString()), PosixFilePermissions.fromString("rwx------"));
                if (rel.getNameCount() == 1 && EMPTIED_IN_BACKUP.contains(rel.toString())) {
                    if (rel.toString().equals("pg_wal")) {
                        Files.createDirectories(target.resolve("pg_wal").resolve("archive_status"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (!OMITTED_FROM_BACKUP.contains(f.getFileName().toString())) {
                    try {
                        Files.copy(f, target.resolve(dataDir.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (NoSuchFileException e) {
                        // dropped while we copied: WAL replay recreates what matters
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }
}
