package io.walstream.cli;

import static io.walstream.cli.ObjectStoreIT.awaitObject;
import static io.walstream.cli.ObjectStoreIT.concat;
import static io.walstream.cli.ObjectStoreIT.conninfo;
import static io.walstream.cli.ObjectStoreIT.load;
import static io.walstream.cli.ObjectStoreIT.run;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.walstream.archiver.store.WalStore;
import io.walstream.pgcluster.FreePort;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.store.s3.S3Location;
import io.walstream.store.s3.S3ProxyServer;
import io.walstream.store.s3.S3Settings;
import io.walstream.store.s3.S3WalStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code receive --archive --spool-max}: with the object store down, the spool stops growing (receiving pauses as on
 * a full disk, the slot keeps the WAL on the primary), and once the store is back everything is uploaded.
 */
@ExtendWith(PgClusterExtension.class)
class SpoolLimitIT {

    private static final long SPOOL_MAX = 40L << 20; // two and a half 16 MB segments

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aStoreOutageFillsTheSpoolOnlyToItsLimitAndLosesNothing() throws Exception {
        Logger writerLog = (Logger) LoggerFactory.getLogger("io.walstream.archiver.pipeline.SegmentWriter");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        writerLog.addAppender(logged);
        String accessKey = System.getProperty("aws.accessKeyId");
        String secretKey = System.getProperty("aws.secretAccessKey");
        try (S3ProxyServer own = S3ProxyServer.start(); PgCluster primary = PgCluster.builder().name("spool_max")
                .setting("wal_sender_timeout", "5s").start()) {
            String bucket = own.createBucket();
            String location = "s3://" + bucket + "/limited";
            String[] flags = {"--s3-endpoint", own.endpoint().toString(), "--s3-path-style"};
            System.setProperty("aws.accessKeyId", own.accessKey());
            System.setProperty("aws.secretAccessKey", own.secretKey());
            Path spool = tmp.resolve("spool");
            int port = FreePort.loopback();
            int segment = primary.walSegmentSize();
            primary.execute("SELECT pg_create_physical_replication_slot('s3_slot', true)");
            CompletableFuture<ObjectStoreIT.Result> receiving = CompletableFuture.supplyAsync(() -> run(concat(
                    new String[] {"receive", "-D", spool.toString(), "-d", conninfo(primary) + " application_name=spool",
                        "-S", "s3_slot", "--no-progress", "-s", "1", "--metrics-port", Integer.toString(port),
                        "--archive", location, "--keep-local", "0", "--spool-max", "40MB"}, flags)));
            try {
                awaitObject(own, bucket, "limited/" + load(primary, 0, 1), receiving);
                own.stop();
                load(primary, 1, 8); // seven segments: far more than the spool may hold
                String serverEnd = primary.currentWalLsn();
                await(() -> metric(port, "walstream_spool_full") == 1, receiving, "receiving paused");
                String sender = walsender(primary);
                Thread.sleep(12_000); // more than two wal_sender_timeouts, and a dozen of the writer's checks
                assertThat(metric(port, "walstream_spool_full")).isEqualTo(1);
                assertThat((long) metric(port, "walstream_flushed_lsn")).as("the rest waits on the server")
                        .isLessThan(Lsn.parse(serverEnd).value());
                assertThat(walsender(primary)).as("the connection kept alive while paused").isEqualTo(sender);
                assertThat(notUploaded(spool, own, bucket)).as("complete WAL in the spool the store lacks")
                        .isLessThanOrEqualTo(SPOOL_MAX + segment);
                assertThat(partials(spool)).as("only the segment being received is .partial").isLessThanOrEqualTo(1);
                assertThat(receiving).isNotDone();
                double archived = metric(port, "walstream_store_archived_lsn");
                assertThat(archived).isPositive().isLessThan(metric(port, "walstream_flushed_lsn"));
                assertThat(metric(port, "walstream_store_lag_bytes")).as("all the spool holds, and more")
                        .isGreaterThan(2.0 * segment);
                assertThat(metric(port, "walstream_store_lag_seconds"))
                        .as("the WAL the store lacks was flushed before the 12 s wait").isGreaterThanOrEqualTo(12);

                own.restart();
                String last = primary.walFileName(primary.switchWal());
                awaitObject(own, bucket, "limited/" + last, receiving);
                await(() -> metric(port, "walstream_spool_full") == 0, receiving, "receiving resumed");
                long switched = Lsn.parse(primary.switchWal()).value();
                await(() -> metric(port, "walstream_store_archived_lsn") >= switched, receiving, "the store level");
                assertThat(metric(port, "walstream_store_lag_bytes")).as("at most the segment being received")
                        .isLessThan(segment);
                assertThat(metric(port, "walstream_store_uploaded_files_total")).isGreaterThanOrEqualTo(9);
                assertThat(metric(port, "walstream_spool_full_events_total")).isGreaterThanOrEqualTo(1);
            } finally {
                ReceiveCommand.stopAll();
                ObjectStoreIT.Result r = receiving.get(60, TimeUnit.SECONDS);
                assertThat(r.code()).as(r.err()).isZero();
            }
            List<String> segments;
            try (WalStore store = S3WalStore.open(S3Location.parse(location), new S3Settings(own.endpoint(), true),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(own.accessKey(), own.secretKey())))) {
                segments = store.names().stream().filter(WalFileName::isWalFileName).sorted().toList();
            }
            assertThat(segments).hasSizeGreaterThanOrEqualTo(9);
            for (String name : segments) {
                assertThat(Files.readAllBytes(own.objectFile(bucket, "limited/" + name)))
                        .as(name).isEqualTo(primary.readWalFile(name));
            }
            ObjectStoreIT.Result verify = run(concat(new String[] {"verify", "-D", location}, flags));
            assertThat(verify.code()).as(verify.err()).isZero();
            assertThat(verify.err()).doesNotContain("gap");

            ObjectStoreIT.Result remote = run(concat(new String[] {"status", "-D", location, "--json"}, flags));
            assertThat(remote.code()).as(remote.err()).isZero();
            assertThat(remote.out()).contains("\"newestObject\": \"" + segments.get(segments.size() - 1) + "\"")
                    .containsPattern("\"newestAgeSeconds\": \\d+").contains("\"lagBytes\": null");
            String newest = segments.get(segments.size() - 1);
            Files.delete(own.objectFile(bucket, "limited/" + newest)); // the store now lacks the spool's last segment
            ObjectStoreIT.Result beside = run(concat(new String[] {"status", "-D", spool.toString(), "--archive",
                location, "--json"}, flags));
            assertThat(beside.code()).as(beside.err()).isZero();
            Matcher lag = Pattern.compile("\"lagBytes\": (\\d+)").matcher(beside.out());
            assertThat(lag.find()).as(beside.out()).isTrue();
            assertThat(Long.parseLong(lag.group(1))).isGreaterThanOrEqualTo(segment);
            assertThat(beside.out()).containsPattern("\"lagSeconds\": \\d+");

            List<String> messages = logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(messages.stream().filter(m -> m.contains("receiving paused before"))).as("%s", messages)
                    .hasSizeGreaterThanOrEqualTo(1);
            assertThat(messages.stream().filter(m -> m.contains("receiving paused before")).count())
                    .as("one line per pause, not one per check").isEqualTo(messages.stream()
                            .filter(m -> m.contains("uploads caught up")).count());
        } finally {
            writerLog.detachAppender(logged);
            restore("aws.accessKeyId", accessKey);
            restore("aws.secretAccessKey", secretKey);
        }
    }

    /** Bytes of complete segments in the spool that the store does not hold. */
    private static long notUploaded(Path spool, S3ProxyServer s3, String bucket) throws Exception {
        long bytes = 0;
        try (Stream<Path> files = Files.list(spool)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (WalFileName.isWalFileName(name) && !name.endsWith(".partial")
                        && !Files.exists(s3.objectFile(bucket, "limited/" + name))) {
                    bytes += Files.size(f);
                }
            }
        }
        return bytes;
    }

    private static long partials(Path spool) throws Exception {
        try (Stream<Path> files = Files.list(spool)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".partial")).count();
        }
    }

    private static String walsender(PgCluster primary) {
        List<List<String>> rows = primary.query(
                "SELECT pid::text FROM pg_stat_replication WHERE application_name = 'spool'");
        assertThat(rows).hasSize(1);
        return rows.get(0).get(0);
    }

    double metric(int port, String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(body);
            assertThat(m.find()).as("%s in %s", name, body).isTrue();
            return Double.parseDouble(m.group(1));
        } catch (java.io.IOException e) {
            return Double.NaN; // the metrics server not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void await(Check check, CompletableFuture<ObjectStoreIT.Result> receiving, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!check.holds()) {
            if (receiving.isDone()) {
                throw new AssertionError("receive ended before " + what + ": " + receiving.get().err());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 180 s");
            }
            Thread.sleep(200);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
