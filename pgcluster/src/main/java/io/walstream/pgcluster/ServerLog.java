package io.walstream.pgcluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server log ({@code pg_ctl -l}): how far it has grown, what was written since then (the
 * waits read the server's own words there), and a copy kept in memory, and in
 * {@code pgcluster.logDir} when set, once the cluster directory is gone.
 */
final class ServerLog {

    private static final Logger log = LoggerFactory.getLogger(ServerLog.class);

    private final Path file;
    /** Null until {@link #keep} ran: the log then lives on here after its file was removed. */
    private volatile String kept;

    ServerLog(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Bytes written so far; an offset for {@link #since}. */
    long size() {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** What the server logged after {@code offset} (a {@link #size()} taken earlier). */
    String since(long offset) {
        byte[] bytes = read().getBytes(StandardCharsets.UTF_8);
        return offset >= bytes.length ? "" : new String(bytes, (int) offset, bytes.length - (int) offset,
                StandardCharsets.UTF_8);
    }

    /** The whole log so far; the kept copy after {@link #keep}. */
    String read() {
        String keptCopy = kept;
        if (keptCopy != null) {
            return keptCopy;
        }
        if (!Files.exists(file)) {
            return "";
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(server log unreadable: " + e + ")";
        }
    }

    /** The last {@code lines} lines. */
    String tail(int lines) {
        List<String> all = read().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /**
     * Keeps the log before its directory is removed: in memory, and as a copy named after the
     * cluster directory in {@code pgcluster.logDir} when that property is set.
     */
    void keep(String clusterName, Path clusterDir) {
        kept = read();
        String logDir = System.getProperty("pgcluster.logDir");
        if (logDir != null && !logDir.isBlank() && Files.exists(file)) {
            try {
                Path target = Path.of(logDir).resolve(ClusterRegistry.baseDir().getFileName() + "-"
                        + clusterDir.getFileName() + ".log");
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                log.warn("{}: could not keep the server log: {}", clusterName, e.toString());
            }
        }
    }
}
