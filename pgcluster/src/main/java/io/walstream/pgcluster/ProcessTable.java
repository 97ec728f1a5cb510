package io.walstream.pgcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Linux {@code /proc} queries. Every PostgreSQL process has its data directory as working
 * directory (the postmaster chdirs there and children inherit it, whatever they set their
 * title to), which is how a cluster's processes are found, including orphans of a killed
 * postmaster.
 */
final class ProcessTable {

    private static final Path PROC = Path.of("/proc");

    private ProcessTable() {
    }

    /** Live (not zombie) processes whose working directory satisfies {@code cwd}. */
    static List<Long> withWorkingDirectory(Predicate<Path> cwd) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(PROC)) {
            entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.chars().allMatch(Character::isDigit))
                    .forEach(n -> {
                        long pid = Long.parseLong(n);
                        Path dir = workingDirectory(pid);
                        if (dir != null && cwd.test(dir) && isAlive(pid)) {
                            pids.add(pid);
                        }
                    });
        } catch (IOException e) {
            throw new PgClusterException("cannot list /proc: " + e.getMessage(), e);
        }
        return pids;
    }

    /** The working directory, without a " (deleted)" suffix, or null when unreadable or gone. */
    static Path workingDirectory(long pid) {
        try {
            String target = Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("cwd")).toString();
            return Path.of(target.endsWith(" (deleted)") ? target.substring(0, target.length() - 10) : target);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** True if the process exists and is not a zombie (a zombie holds no resources, only its PID). */
    static boolean isAlive(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            // "pid (comm) S ..."; comm may contain spaces or parentheses, so look after the last ')'.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** SIGKILL; a process that is already gone is fine. */
    static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
