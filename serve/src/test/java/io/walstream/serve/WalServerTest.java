package io.walstream.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.luben.zstd.ZstdOutputStream;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.protocol.WalSegmentSize;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The server over an archive of synthetic segments (1 MB): what each answer holds, byte for byte. The standby's
 * side, a real PostgreSQL replaying through curl, is {@code ServeStandbyIT}.
 */
final class WalServerTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
    private static final String SEG1 = "000000010000000000000001";
    private static final String SEG2 = "000000010000000000000002";
    private static final String SEG3 = "000000010000000000000003";
    private static final String SEG4 = "000000010000000000000004";

    @TempDir
    Path tmp;

    private ArchiveDirectory archive;
    private WalServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private byte[] one;
    private byte[] two;
    private byte[] three;

    @BeforeEach
    void archive() throws Exception {
        archive = ArchiveDirectory.create(tmp.resolve("archive"));
        archive.bindTo(7_300_000_000_000_000_123L, SIZE);
        Random random = new Random(42);
        one = new byte[SIZE.bytes()];
        two = new byte[SIZE.bytes()];
        three = new byte[SIZE.bytes()];
        random.nextBytes(one);
        random.nextBytes(two);
        Arrays.fill(three, (byte) 7);
        Files.write(archive.resolve(SEG1), one);
        try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(archive.resolve(SEG2 + ".zst")))) {
            out.write(two);
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive.resolve(SEG3 + ".gz")))) {
            out.write(three);
        }
        Files.write(archive.resolve(SEG4 + ".partial"), two);
        Files.writeString(archive.resolve("00000002.history"), "1\t0/5000000\tno recovery target specified\n");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(ServeOptions options) {
        server = WalServer.start(archive, options);
    }

    private ServeOptions local() {
        return ServeOptions.plain(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        return send("GET", path, headers);
    }

    private HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesPlainAndCompressedSegmentsAsTheirPlainBytes() throws Exception {
        start(local());
        HttpResponse<byte[]> plain = get("/wal/" + SEG1);
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.headers().firstValueAsLong("content-length")).hasValue(SIZE.bytes());
        assertThat(plain.body()).isEqualTo(one);

        HttpResponse<byte[]> zstd = get("/wal/" + SEG2);
        assertThat(zstd.statusCode()).isEqualTo(200);
        assertThat(zstd.headers().firstValueAsLong("content-length")).hasValue(SIZE.bytes());
        assertThat(zstd.body()).isEqualTo(two);
        assertThat(get("/wal/" + SEG3).body()).isEqualTo(three);

        HttpResponse<byte[]> history = get("/wal/00000002.history");
        assertThat(history.statusCode()).isEqualTo(200);
        assertThat(new String(history.body(), StandardCharsets.UTF_8)).startsWith("1\t0/5000000");
    }

    @Test
    void headTellsTheLengthWithoutTheBody() throws Exception {
        start(local());
        HttpResponse<byte[]> head = send("HEAD", "/wal/" + SEG2);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("content-length")).hasValue(SIZE.bytes());
        assertThat(head.body()).isEmpty();
        assertThat(send("HEAD", "/wal/000000010000000000000009").statusCode()).isEqualTo(404);
    }

    @Test
    void absentIs404AndAnythingButANameIs400() throws Exception {
        start(local());
        HttpResponse<byte[]> absent = get("/wal/000000010000000000000009");
        assertThat(absent.statusCode()).isEqualTo(404);
        assertThat(new String(absent.body(), StandardCharsets.UTF_8))
                .isEqualTo("not in the archive: 000000010000000000000009\n");
        for (String bad : new String[] {"/wal/..%2fwalstream.identity", "/wal/%2e%2e%2f" + SEG1, "/wal/walstream.identity",
                "/wal/" + SEG2 + ".zst", "/metrics", "/wal/" + "0".repeat(200)}) {
            assertThat(get(bad).statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(send("DELETE", "/wal/" + SEG1).statusCode()).isEqualTo(405);
        assertThat(Files.exists(archive.resolve(SEG1))).isTrue();
    }

    @Test
    void theSegmentBeingReceivedUpToWhatIsFlushed() throws Exception {
        long start = 4L * SIZE.bytes();
        start(local().withFlushedLsn(() -> start + 1000));
        HttpResponse<byte[]> partial = get("/wal/" + SEG4 + ".partial");
        assertThat(partial.statusCode()).isEqualTo(200);
        byte[] expected = new byte[SIZE.bytes()];
        System.arraycopy(two, 0, expected, 0, 1000);
        assertThat(partial.body()).isEqualTo(expected);
        // not complete yet: the plain name is not in the archive
        assertThat(get("/wal/" + SEG4).statusCode()).isEqualTo(404);
    }

    @Test
    void aTokenIsRequiredWhenConfigured() throws Exception {
        start(local().withToken("s3cret-t0ken"));
        assertThat(get("/wal/" + SEG1).statusCode()).isEqualTo(401);
        assertThat(get("/wal/" + SEG1, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(get("/", "Authorization", "Bearer s3cret-t0ken").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> ok = get("/wal/" + SEG1, "Authorization", "Bearer s3cret-t0ken");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(one);
    }

    @Test
    void aDamagedSegmentIsAnErrorNamingTheFileNeverAShort200() throws Exception {
        byte[] zst = Files.readAllBytes(archive.resolve(SEG2 + ".zst"));
        Files.write(archive.resolve(SEG2 + ".zst"), Arrays.copyOf(zst, zst.length / 2));
        Files.write(archive.resolve(SEG1), Arrays.copyOf(one, 4096));
        start(local().withPrefetch(0));
        HttpResponse<byte[]> truncated = get("/wal/" + SEG2);
        assertThat(truncated.statusCode()).isEqualTo(500);
        assertThat(new String(truncated.body(), StandardCharsets.UTF_8)).contains(SEG2 + ".zst").contains("damaged");
        HttpResponse<byte[]> shortPlain = get("/wal/" + SEG1);
        assertThat(shortPlain.statusCode()).isEqualTo(500);
        assertThat(new String(shortPlain.body(), StandardCharsets.UTF_8)).contains(SEG1).contains("4096 bytes");
    }

    @Test
    void statusIsJsonForHealthChecks() throws Exception {
        start(local());
        HttpResponse<byte[]> status = get("/");
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(new String(status.body(), StandardCharsets.UTF_8))
                .contains("\"systemIdentifier\": \"7300000000000000123\"").contains("\"receiverActive\": false");
    }

    @Test
    void everyRefusedRequestIsOneLogLineWithoutAStackTrace() throws Exception {
        ListAppender<ILoggingEvent> lines = capture(WalHttpHandler.class.getName());
        start(local().withToken("t"));
        get("/wal/..%2fwalstream.identity", "Authorization", "Bearer t");
        get("/wal/" + SEG1);
        send("PUT", "/wal/" + SEG1, "Authorization", "Bearer t");
        assertThat(lines.list).hasSize(3).allSatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getThrowableProxy()).isNull();
            assertThat(e.getFormattedMessage()).startsWith("refused ").doesNotContain("\n");
        });
        assertThat(lines.list.get(0).getFormattedMessage()).contains("400");
        assertThat(lines.list.get(1).getFormattedMessage()).contains("401");
        assertThat(lines.list.get(2).getFormattedMessage()).contains("405");
    }

    @Test
    void aClientThatLeavesMidTransferCostsNothing() throws Exception {
        ListAppender<ILoggingEvent> leaks = capture("io.netty.util.ResourceLeakDetector");
        start(local());
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
                s.getOutputStream().write(("GET /wal/" + (i % 2 == 0 ? SEG1 : SEG2) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                in.readNBytes(1000); // then hang up with most of the segment unsent
            }
        }
        assertThat(get("/wal/" + SEG2).body()).isEqualTo(two);
        assertThat(get("/wal/" + SEG1).body()).isEqualTo(one);
        // Leaks are reported when a collected buffer is found unreleased, at a later allocation.
        for (int i = 0; i < 5; i++) {
            System.gc();
            io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(1024).release();
            Thread.sleep(20);
        }
        assertThat(leaks.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains("LEAK"));
    }

    private static ListAppender<ILoggingEvent> capture(String loggerName) {
        Logger logger = (Logger) LoggerFactory.getLogger(loggerName);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        start(local());
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (String name : new String[] {SEG1, "000000010000000000000009", SEG3}) {
                out.write(("GET /wal/" + name + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String headers = readHeaders(in);
                long length = Long.parseLong(headers.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
                byte[] body = in.readNBytes((int) length);
                assertThat(body).hasSize((int) length);
                if (name.equals(SEG3)) {
                    assertThat(body).isEqualTo(three);
                }
            }
        }
    }

    private static String readHeaders(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("connection closed after " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString().toLowerCase(java.util.Locale.ROOT);
    }
}
