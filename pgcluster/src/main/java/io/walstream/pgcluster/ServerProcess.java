package io.walstream.pgcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server programs and processes of one cluster: initdb, {@code pg_ctl start/stop/reload}
 * run as the {@link ServerAccount}, what postmaster.pid says, and killing whatever is left.
 * It runs programs and reads files; waiting for their effect is {@link ServerReadiness}'s job.
 */
final class ServerProcess {

    /** How long one server program (initdb, pg_ctl, pg_basebackup) may run. */
    static final Duration TOOL_TIMEOUT = Duration.ofMinutes(5);

    private final PgBinaries binaries;
    private final ServerAccount account;
    private final Path dir;
    private final Path dataDir;
    private final Path logFile;
    /** initdb's --wal-segsize, or 0 for its default (16 MB). */
    private final int walSegmentMegabytes;

    ServerProcess(PgBinaries binaries, ServerAccount account, Path dir, Path dataDir, Path logFile,
            int walSegmentMegabytes) {
        this.walSegmentMegabytes = walSegmentMegabytes;
        this.binaries = binaries;
        this.account = account;
        this.dir = dir;
        this.dataDir = dataDir;
        this.logFile = logFile;
    }

    /** initdb with trust authentication; the superuser's password goes in through a file only the account reads. */
    void initdb(String superuser, String password) throws IOException {
        Path pwfile = dir.resolve("pwfile");
        try {
            Files.writeString(pwfile, password + "\n");
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            account.own(dir);
            List<String> command = new java.util.ArrayList<>(List.of(binaries.tool("initdb").toString(), "-D",
                    dataDir.toString(), "-U", superuser, "--pwfile=" + pwfile, "--auth=trust", "-E", "UTF8",
                    "--locale=C", "--no-sync"));
            if (walSegmentMegabytes != 0) {
                command.add("--wal-segsize=" + walSegmentMegabytes);
            }
            run(command);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException ignored) {
                // best effort: the whole directory goes at close
            }
        }
    }

    /** {@code pg_ctl start} without waiting: {@link ServerReadiness#awaitStatus} tells when it is up, or why not. */
    void start() {
        run(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDir.toString(), "-l", logFile.toString(), "-W",
                "start"));
    }

    /** {@code pg_ctl stop -m mode}, waiting up to 120 s for the postmaster to exit. */
    void stop(StopMode mode) {
        run(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDir.toString(),
                "-m", mode.name().toLowerCase(Locale.ROOT), "-w", "-t", "120", "stop"));
    }

    /** {@code pg_ctl reload}: SIGHUP, after which the postmaster rereads its files (asynchronously). */
    void reload() {
        run(List.of(binaries.tool("pg_ctl").toString(), "-D", dataDir.toString(), "reload"));
    }

    private void run(List<String> command) {
        account.run(command, Map.of(), TOOL_TIMEOUT);
    }

    /** The postmaster's PID from postmaster.pid, or null when there is no such file. */
    Long postmasterPid() {
        List<String> lines = pidFileLines();
        return lines.isEmpty() ? null : Long.valueOf(lines.get(0).trim());
    }

    /** postmaster.pid line by line (line 1: PID, line 8: status), or empty when there is no such file. */
    List<String> pidFileLines() {
        try {
            return Files.readAllLines(dataDir.resolve("postmaster.pid"));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Live processes (postmaster and children) of this cluster. */
    List<Long> processes() {
        return ProcessTable.withWorkingDirectory(dataDir::equals);
    }

    /** SIGKILL to every process of this cluster, until none is left. */
    void killAll() {
        ClusterRegistry.killProcessesUnder(dataDir);
    }

    /**
     * Removes postmaster.pid and socket lock files of a killed server. PostgreSQL itself would
     * refuse them when their PID is a zombie (where PID 1 does not reap orphans, as in some
     * containers), since a zombie still answers kill(pid, 0).
     */
    void removeStaleLockFiles() {
        try (var files = Files.list(dir)) {
            List<Path> locks = new ArrayList<>(files.filter(f -> f.getFileName().toString().matches("\\.s\\.PGSQL\\.\\d+\\.lock"))
                    .toList());
            locks.add(dataDir.resolve("postmaster.pid"));
            for (Path lock : locks) {
                List<String> lines = Files.exists(lock) ? Files.readAllLines(lock) : List.of();
                if (!lines.isEmpty() && !ProcessTable.isAlive(Long.parseLong(lines.get(0).trim()))) {
                    Files.deleteIfExists(lock);
                    if (!lock.getFileName().toString().equals("postmaster.pid")) {
                        String socket = lock.getFileName().toString();
                        Files.deleteIfExists(lock.resolveSibling(socket.substring(0, socket.length() - 5)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
