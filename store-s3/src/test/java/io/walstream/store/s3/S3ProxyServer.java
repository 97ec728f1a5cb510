package io.walstream.store.s3;

import io.walstream.pgcluster.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A real S3 API server for tests, as pgcluster starts PostgreSQL: S3Proxy's runnable jar (resolved by Maven into
 * {@code target/s3proxy/}, its path in the {@code s3proxy.jar} system property) as a separate java process on a free
 * loopback port, with the filesystem backend (objects land as files under {@code BASEDIR/BUCKET/KEY}) and SigV4
 * credentials. {@link #shared()} is one server for every test of a JVM (it starts in about five seconds), stopped
 * when the JVM exits; {@link #start()} a private one that a test may stop and restart (a store outage).
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "walstream-test";

    private static S3ProxyServer shared;

    private final Path baseDir;
    private final Path logFile;
    private final int port;
    private final String secretKey;
    private Process process;

    private S3ProxyServer(Path baseDir, int port) {
        this.baseDir = baseDir;
        this.port = port;
        this.logFile = baseDir.resolveSibling(baseDir.getFileName() + ".log");
        this.secretKey = "secret-" + UUID.randomUUID();
    }

    /** The server every test of this JVM shares; each test uses buckets of its own ({@link #createBucket()}). */
    public static synchronized S3ProxyServer shared() {
        if (shared == null) {
            S3ProxyServer server = start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3proxy-stop"));
            shared = server;
        }
        return shared;
    }

    /** A server of the caller's own; close it. */
    public static S3ProxyServer start() {
        try {
            Path base = Files.createTempDirectory("walstream-s3proxy-");
            S3ProxyServer server = new S3ProxyServer(base.resolve("data"), FreePort.loopback());
            Files.createDirectories(server.baseDir);
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start S3Proxy", e);
        }
    }

    private void startProcess() throws IOException {
        Path properties = baseDir.resolveSibling("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint(),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + secretKey,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + baseDir, ""));
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", ServerProcesses.jar("S3Proxy", "s3proxy.jar", "s3proxy").toString(),
                "--properties", properties.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        ServerProcesses.awaitAnswer("S3Proxy", process, endpoint(), Duration.ofSeconds(90), logFile);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return secretKey;
    }

    /** A new, empty bucket (with the filesystem backend a bucket is a directory under the base). */
    public String createBucket() {
        String bucket = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try {
            Files.createDirectories(baseDir.resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bucket;
    }

    /** The file an object is stored in, for byte-for-byte checks. */
    public Path objectFile(String bucket, String key) {
        return baseDir.resolve(bucket).resolve(key);
    }

    /** Stops the server (an outage); {@link #restart()} brings it back on the same port with the same objects. */
    public synchronized void stop() {
        ServerProcesses.stop(process);
    }

    public synchronized void restart() {
        stop();
        try {
            startProcess();
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart S3Proxy", e);
        }
    }

    /** The server's log, for a failing test's message. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the server and removes its objects. */
    @Override
    public synchronized void close() {
        stop();
        ServerProcesses.deleteTree(baseDir.getParent());
    }
}
