package io.walstream.pgcluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every cluster this JVM created, under one base directory per JVM. A shutdown hook stops
 * them and removes their directories, also when a test failed; base directories left by a
 * JVM that was killed are cleaned up (servers killed, files removed) on next use.
 */
final class ClusterRegistry {

    private static final Logger log = LoggerFactory.getLogger(ClusterRegistry.class);
    private static final Pattern BASE_NAME = Pattern.compile("walstream-pg-(\\d+)-[0-9a-f]{8}");
    private static final List<PgCluster> CREATED = new CopyOnWriteArrayList<>();
    private static Path baseDir;

    private ClusterRegistry() {
    }

    static synchronized Path baseDir() {
        if (baseDir == null) {
            Path parent = Path.of(System.getProperty("pgcluster.baseDir", System.getProperty("java.io.tmpdir")));
            removeAbandoned(parent);
            String name = "walstream-pg-" + ProcessHandle.current().pid() + "-"
                    + UUID.randomUUID().toString().substring(0, 8);
            try {
                baseDir = Files.createDirectories(parent.resolve(name));
                // The server account must be able to reach its cluster directories below this one.
                Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new PgClusterException("cannot create " + parent.resolve(name) + ": " + e.getMessage(), e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(ClusterRegistry::shutdown, "pgcluster-shutdown"));
        }
        return baseDir;
    }

    static void register(PgCluster cluster) {
        CREATED.add(cluster);
    }

    /** All clusters created by this JVM, closed ones included, in creation order. */
    static List<PgCluster> created() {
        return List.copyOf(CREATED);
    }

    static void closeAll() {
        List<PgCluster> clusters = new ArrayList<>(CREATED);
        java.util.Collections.reverse(clusters); // standbys before their primaries
        for (PgCluster c : clusters) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.warn("could not close cluster {}: {}", c.name(), e.toString());
            }
        }
        synchronized (ClusterRegistry.class) {
            if (baseDir != null) {
                killProcessesUnder(baseDir);
            }
        }
    }

    /** At JVM exit: close everything and remove the base directory. */
    private static void shutdown() {
        closeAll();
        synchronized (ClusterRegistry.class) {
            Directories.deleteRecursively(baseDir);
        }
    }

    /** PostgreSQL processes still running from any directory of this JVM's clusters. */
    static synchronized List<Long> strayProcesses() {
        return baseDir == null ? List.of() : ProcessTable.withWorkingDirectory(d -> d.startsWith(baseDir));
    }

    static void killProcessesUnder(Path dir) {
        for (int i = 0; i < 100; i++) {
            List<Long> pids = ProcessTable.withWorkingDirectory(d -> d.startsWith(dir));
            if (pids.isEmpty()) {
                return;
            }
            pids.forEach(ProcessTable::kill);
            ServerReadiness.sleep(50);
        }
        log.warn("processes under {} survived SIGKILL: {}", dir, ProcessTable.withWorkingDirectory(d -> d.startsWith(dir)));
    }

    /** Base directories whose JVM is gone: kill what still runs there and remove them. */
    private static void removeAbandoned(Path parent) {
        try (Stream<Path> entries = Files.list(parent)) {
            entries.forEach(dir -> {
                Matcher m = BASE_NAME.matcher(dir.getFileName().toString());
                if (m.matches() && !ProcessTable.isAlive(Long.parseLong(m.group(1)))) {
                    log.info("removing {} left by a JVM that is gone", dir);
                    killProcessesUnder(dir);
                    try {
                        Directories.deleteRecursively(dir);
                    } catch (RuntimeException e) {
                        log.warn("could not remove {}: {}", dir, e.toString());
                    }
                }
            });
        } catch (IOException e) {
            log.debug("cannot list {}: {}", parent, e.toString());
        }
    }
}
