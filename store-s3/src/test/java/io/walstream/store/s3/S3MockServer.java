package io.walstream.store.s3;

import io.walstream.pgcluster.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A second real S3 API server for tests: Adobe's S3Mock (its runnable jar resolved by Maven into
 * {@code target/s3mock/}, its path in the {@code s3mock.jar} system property), started as a separate java process
 * on a free port. Where S3Proxy ignores {@code If-None-Match} and refuses CRC32C headers, S3Mock honours both, as
 * AWS S3 and MinIO do, and implements DeleteObjects: the paths S3Proxy cannot reach. It takes any credentials.
 */
public final class S3MockServer implements AutoCloseable {

    private final Path root;
    private final Path logFile;
    private final int port;
    private final Process process;

    private S3MockServer(Path root, int port) throws IOException {
        this.root = root;
        this.port = port;
        this.logFile = root.resolveSibling("s3mock.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", ServerProcesses.jar("S3Mock", "s3mock.jar", "s3mock").toString(),
                "--com.adobe.testing.s3mock.httpPort=" + port, "--server.port=0",
                "--server.address=" + "127.0.0.1", "--com.adobe.testing.s3mock.store.root=" + root,
                "--spring.main.banner-mode=off", "--logging.level.root=WARN"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        try {
            ServerProcesses.awaitAnswer("S3Mock", process, endpoint(), Duration.ofSeconds(120), logFile);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A server of the caller's own; close it. */
    public static S3MockServer start() {
        try {
            Path base = Files.createTempDirectory("walstream-s3mock-");
            return new S3MockServer(base.resolve("data"), FreePort.loopback());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start S3Mock", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A new, empty bucket, created through the API. */
    public String createBucket() {
        String bucket = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(endpoint() + "/" + bucket).toURL()
                    .openConnection();
            c.setRequestMethod("PUT");
            int status = c.getResponseCode();
            c.disconnect();
            if (status != 200) {
                throw new IllegalStateException("S3Mock answered " + status + " to creating bucket " + bucket);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bucket;
    }

    @Override
    public void close() {
        ServerProcesses.stop(process);
        ServerProcesses.deleteTree(root.getParent());
    }
}
