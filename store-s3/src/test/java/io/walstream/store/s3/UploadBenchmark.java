package io.walstream.store.s3;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.SpoolUploader;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Upload throughput into S3Proxy: walstream's spool uploader (S3WalStore: probe, lookups, checksums, the identity
 * file) against the SDK's own PutObject loop over the same files on the same server (the ceiling), at each
 * concurrency, in the same run. Run as a main (benchmarks/README.md has the command); arguments: segments per run
 * (default 16) and rounds (default 2), which alternate
 * which of the two goes first. A third loop sends each file's Content-MD5, the check walstream asks of a store that
 * refuses CRC32C (S3Proxy): the ceiling with the same integrity.
 */
public final class UploadBenchmark {

    private static double headMillis;

    private UploadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int segments = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int[] concurrencies = {1, 4, 16};
        Path work = Files.createTempDirectory("walstream-upload-bench-");
        ArchiveDirectory spool = ArchiveDirectory.create(work.resolve("spool"));
        spool.bindTo(42, WalSegmentSize.DEFAULT);
        List<Path> files = new ArrayList<>();
        Random random = new Random(1);
        byte[] segment = new byte[WalSegmentSize.DEFAULT.bytes()];
        for (int i = 1; i <= segments; i++) {
            random.nextBytes(segment);
            Path f = spool.resolve(String.format("%08X%08X%08X", 1, 0, i));
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(segment));
            }
            files.add(f);
        }
        double mb = segments * (double) WalSegmentSize.DEFAULT.bytes() / 1e6;
        System.out.printf("%d segments of 16 MB (%.0f MB) per run, %d rounds%n", segments, mb, rounds);
        try (S3ProxyServer server = S3ProxyServer.start()) {
            StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(server.accessKey(), server.secretKey()));
            System.out.println("round  concurrency  SDK PutObject loop  walstream  ratio  HEAD (ms)"
                    + "  SDK loop + Content-MD5  ratio to it");
            for (int round = 1; round <= rounds; round++) {
                for (int c : concurrencies) {
                    // alternate which goes first: the one after pays for the other's writeback on the server
                    double ceiling;
                    double ours;
                    double withMd5;
                    if (round % 2 == 1) {
                        ceiling = mb / sdkLoop(server, credentials, files, c, false);
                        ours = mb / walstream(server, credentials, spool, c);
                        withMd5 = mb / sdkLoop(server, credentials, files, c, true);
                    } else {
                        withMd5 = mb / sdkLoop(server, credentials, files, c, true);
                        ours = mb / walstream(server, credentials, spool, c);
                        ceiling = mb / sdkLoop(server, credentials, files, c, false);
                    }
                    System.out.printf("%5d  %11d  %13.0f MB/s  %4.0f MB/s  %5.2f  %9.0f  %16.0f MB/s  %10.2f%n", round,
                            c, ceiling, ours, ours / ceiling, headMillis, withMd5, ours / withMd5);
                }
            }
        } finally {
            try (var all = Files.walk(work)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Seconds for c threads putting every file with a plain S3Client (no checksum: S3Proxy refuses the SDK's; over
     * http the SDK signs each payload chunk), or with each file's Content-MD5 computed by the putting thread and the
     * payload left unsigned, as walstream sends it (Md5BoundSigner).
     */
    static double sdkLoop(S3ProxyServer server, StaticCredentialsProvider credentials, List<Path> files, int c,
            boolean contentMd5) throws Exception {
        String bucket = server.createBucket();
        S3ClientBuilder builder = S3Client.builder().credentialsProvider(credentials).region(Region.US_EAST_1)
                .endpointOverride(server.endpoint()).forcePathStyle(true)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
        if (contentMd5) {
            builder.putAuthScheme(Md5BoundSigner.scheme()); // signed as walstream signs it: the MD5, no payload hash
        }
        try (S3Client client = builder.build()) {
            ConcurrentLinkedQueue<Path> queue = new ConcurrentLinkedQueue<>(files);
            AtomicReference<Throwable> error = new AtomicReference<>();
            long t0 = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < c; i++) {
                Thread t = new Thread(() -> {
                    Path f;
                    while ((f = queue.poll()) != null && error.get() == null) {
                        try {
                            String key = "ceiling/" + f.getFileName();
                            Path file = f;
                            String md5 = contentMd5 ? ObjectDigest.of(file, true).md5Base64() : null;
                            client.putObject(b -> b.bucket(bucket).key(key).contentMD5(md5), RequestBody.fromFile(file));
                        } catch (IOException | RuntimeException e) {
                            error.set(e);
                        }
                    }
                });
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            if (error.get() != null) {
                throw new IllegalStateException(error.get());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (contentMd5) {
                return seconds;
            }
            // what a store without conditional writes costs walstream beyond the PUT: a HEAD before and after
            long h0 = System.nanoTime();
            for (Path f : files) {
                client.headObject(b -> b.bucket(bucket).key("ceiling/" + f.getFileName()));
            }
            headMillis = (System.nanoTime() - h0) / 1e6 / files.size();
            return seconds;
        }
    }

    /** Seconds for the spool uploader to put the whole spool (identity file and probe included). */
    static double walstream(S3ProxyServer server, StaticCredentialsProvider credentials, ArchiveDirectory spool, int c)
            throws IOException {
        String bucket = server.createBucket();
        try (S3WalStore store = S3WalStore.open(new S3Location(bucket, "wal"),
                new S3Settings(server.endpoint(), true), credentials)) {
            AtomicReference<Exception> failure = new AtomicReference<>();
            long t0 = System.nanoTime();
            try (SpoolUploader uploader = new SpoolUploader(spool, store,
                    new SpoolUploader.Settings(c, -1, WalFileName.Compression.NONE), e -> true, failure::set)) {
                uploader.start();
                if (!uploader.drain(Duration.ofMinutes(30)) || failure.get() != null) {
                    throw new IllegalStateException("upload did not finish", failure.get());
                }
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
