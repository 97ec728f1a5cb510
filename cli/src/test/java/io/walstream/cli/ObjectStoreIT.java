package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalStore;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.store.s3.S3Location;
import io.walstream.store.s3.S3ProxyServer;
import io.walstream.store.s3.S3Settings;
import io.walstream.store.s3.S3WalStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Archives in S3-compatible object storage (S3Proxy, a real S3 API server), with WAL from a real server. */
@ExtendWith(PgClusterExtension.class)
class ObjectStoreIT {

    static final S3ProxyServer S3 = S3ProxyServer.shared();

    @TempDir
    Path tmp;

    @BeforeAll
    static void credentials() {
        // the SDK's default credentials chain, as a user's environment gives them
        System.setProperty("aws.accessKeyId", S3.accessKey());
        System.setProperty("aws.secretAccessKey", S3.secretKey());
    }

    static String[] s3Flags() {
        return new String[] {"--s3-endpoint", S3.endpoint().toString(), "--s3-path-style"};
    }

    static S3WalStore store(String location) {
        return S3WalStore.open(S3Location.parse(location), new S3Settings(S3.endpoint(), true));
    }

    static String conninfo(PgCluster pg) {
        return "host=127.0.0.1 sslmode=disable port=" + pg.port() + " user=" + pg.superuser() + " password="
                + pg.password();
    }

    static Result run(String... args) {
        CommandLine cl = Walstream.commandLine();
        ArchiveAndRestoreIT.StringOutput out = new ArchiveAndRestoreIT.StringOutput();
        ArchiveAndRestoreIT.StringOutput err = new ArchiveAndRestoreIT.StringOutput();
        cl.setOut(out.writer());
        cl.setErr(err.writer());
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    record Result(int code, String out, String err) {
    }

    static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    /** Two segments and more of real WAL, received by walstream into {@code dir}; returns the end LSN. */
    static String receiveRealWal(PgCluster primary, Path dir) {
        primary.execute("SELECT pg_create_physical_replication_slot('s3_slot', true)");
        primary.execute("CREATE TABLE filler AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 150000) g");
        String end = primary.switchWal();
        Result r = run("receive", "-D", dir.toString(), "-d", conninfo(primary), "-S", "s3_slot", "-E", end, "-n",
                "--no-progress", "-s", "1");
        assertThat(r.code()).as(r.err()).isZero();
        return end;
    }

    @Test
    void anArchiveInObjectStorageVerifiesRestoresAndShowsItsStatus() throws IOException {
        Path local = tmp.resolve("archive");
        String location = "s3://" + S3.createBucket() + "/clusters/main";
        try (PgCluster primary = PgCluster.builder().name("s3_read").start()) {
            receiveRealWal(primary, local);
            List<String> files;
            try (Stream<Path> list = Files.list(local); WalStore store = store(location)) {
                files = list.map(p -> p.getFileName().toString())
                        .filter(n -> WalFileName.isWalFileName(n) || n.equals("walstream.identity")
                                || WalFileName.isHistoryFileName(n))
                        .sorted().toList();
                for (String name : files) {
                    assertThat(store.put(name, local.resolve(name))).isEqualTo(WalStore.PutOutcome.STORED);
                }
            }
            List<String> complete = files.stream().filter(n -> WalFileName.isWalFileName(n) && !n.endsWith(".partial"))
                    .toList();
            assertThat(complete).hasSizeGreaterThanOrEqualTo(2);

            Result verify = run(concat(new String[] {"verify", "-D", location}, s3Flags()));
            assertThat(verify.code()).as(verify.err()).isZero();
            assertThat(verify.err()).contains(location).contains("ok (0 errors");

            for (String segment : complete) {
                Path target = tmp.resolve("restored").resolve(segment);
                Files.createDirectories(target.getParent());
                Result restore = run(concat(new String[] {"restore", segment, target.toString(), "-D", location},
                        s3Flags()));
                assertThat(restore.code()).as(restore.err()).isZero();
                assertThat(target).hasSameBinaryContentAs(local.resolve(segment));
                assertThat(Files.readAllBytes(target)).isEqualTo(primary.readWalFile(segment));
            }
            Result missing = run(concat(new String[] {"restore", "0000000100000000000000F0",
                tmp.resolve("x").toString(), "-D", location}, s3Flags()));
            assertThat(missing.code()).isEqualTo(1);
            assertThat(tmp.resolve("x")).doesNotExist();

            Result status = run(concat(new String[] {"status", "-D", location, "--json"}, s3Flags()));
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).contains("\"systemIdentifier\": \"" + primary.systemIdentifier() + "\"")
                    .contains("\"directory\": \"" + location + "\"").contains("\"freeBytes\": null");
        }
    }

    /**
     * restore_command from S3 fetches the next segments in the background into pg_wal/.walstream-prefetch, and a
     * later call takes its segment from there without asking the store: here the store no longer has them.
     */
    @Test
    void restoreFromS3PrefetchesTheNextSegmentsAndTakesThemWithoutTheStore() throws Exception {
        String location = "s3://" + S3.createBucket() + "/pf";
        ArchiveDirectory spool = ArchiveDirectory.create(tmp.resolve("spool"));
        spool.bindTo(7, WalSegmentSize.DEFAULT);
        List<String> segments = new ArrayList<>();
        try (S3WalStore store = store(location)) {
            store.put(ArchiveDirectory.IDENTITY_FILE, spool.resolve(ArchiveDirectory.IDENTITY_FILE));
            byte[] bytes = new byte[WalSegmentSize.DEFAULT.bytes()];
            for (int i = 1; i <= 5; i++) {
                String name = WalFileName.of(1, i, WalSegmentSize.DEFAULT).segmentName();
                new java.util.Random(i).nextBytes(bytes);
                store.put(name, Files.write(spool.resolve(name), bytes));
                segments.add(name);
            }
        }
        Path pgWal = Files.createDirectories(tmp.resolve("data").resolve("pg_wal"));
        Path target = pgWal.resolve("RECOVERYXLOG");
        Path prefetched = pgWal.resolve(".walstream-prefetch");

        Result first = restoreProcess(segments.get(0), target, location, "--prefetch", "3");
        assertThat(first.code()).as(first.out()).isZero();
        assertThat(target).hasSameBinaryContentAs(spool.resolve(segments.get(0)));
        io.walstream.pgcluster.junit.Await.until("three segments prefetched", Duration.ofSeconds(90),
                () -> Stream.of(1, 2, 3).allMatch(i -> Files.exists(prefetched.resolve(segments.get(i)))));

        try (S3WalStore store = store(location)) {
            store.deleteAll(segments.subList(1, 4));
        }
        Result second = restoreProcess(segments.get(1), target, location, "--prefetch", "3", "-v");
        assertThat(second.code()).as(second.out()).isZero();
        assertThat(second.out()).contains("(prefetched)");
        assertThat(target).hasSameBinaryContentAs(spool.resolve(segments.get(1)));
        assertThat(prefetched.resolve(segments.get(1))).doesNotExist();

        Result gone = restoreProcess(segments.get(1), target, location, "--prefetch", "0");
        assertThat(gone.code()).as("taken once; the store has it no more").isEqualTo(1);
        // the filler, waiting for the next ask, sees it gone and exits
        io.walstream.pgcluster.Directories.deleteRecursively(prefetched);
    }

    /** {@code walstream restore} as PostgreSQL runs it: a new process, credentials in its environment. */
    static Result restoreProcess(String walFile, Path target, String location, String... more) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-jar", Path.of("target", "walstream.jar").toString(),
                "restore", walFile, target.toString(), "-D", location));
        command.addAll(List.of(s3Flags()));
        command.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("AWS_ACCESS_KEY_ID", S3.accessKey());
        pb.environment().put("AWS_SECRET_ACCESS_KEY", S3.secretKey());
        pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output, output);
    }

    @Test
    void wrongCredentialsAreOneLineNamingThe403AndNoSecret() throws Exception {
        String location = "s3://" + S3.createBucket() + "/p";
        String secret = "wrong-secret-" + System.nanoTime();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-jar", Path.of("target", "walstream.jar").toString(),
                "verify", "-D", location));
        command.addAll(List.of(s3Flags()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("AWS_ACCESS_KEY_ID", S3.accessKey());
        env.put("AWS_SECRET_ACCESS_KEY", secret);
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(1);
        assertThat(output.strip().lines()).as(output).hasSize(1);
        assertThat(output).contains("HTTP 403").contains(location).doesNotContain(secret);
    }

    @Test
    void receiveUploadsEverySegmentByteIdenticalAndRefusesAnotherClustersPrefix() throws IOException {
        String bucket = S3.createBucket();
        String location = "s3://" + bucket + "/wal";
        Path spool = tmp.resolve("spool");
        try (PgCluster primary = PgCluster.builder().name("s3_upload").start()) {
            primary.execute("SELECT pg_create_physical_replication_slot('s3_slot', true)");
            primary.execute("CREATE TABLE filler AS SELECT g AS id, md5(g::text) AS note"
                    + " FROM generate_series(1, 200000) g");
            String end = primary.switchWal();
            Result r = run(concat(new String[] {"receive", "-D", spool.toString(), "-d", conninfo(primary),
                "-S", "s3_slot", "-E", end, "-n", "--no-progress", "--archive", location, "--upload-concurrency", "3",
                "--keep-local", "1"}, s3Flags()));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.err()).contains("files uploaded to " + location);

            List<String> objects;
            try (WalStore store = store(location)) {
                objects = store.names();
            }
            List<String> segments = objects.stream().filter(WalFileName::isWalFileName).sorted().toList();
            assertThat(segments).hasSizeGreaterThanOrEqualTo(2).allMatch(n -> !n.endsWith(".partial"));
            assertThat(objects).contains("walstream.identity");
            for (String segment : segments) {
                assertThat(Files.readAllBytes(S3.objectFile(bucket, "wal/" + segment)))
                        .as(segment).isEqualTo(primary.readWalFile(segment));
            }
            try (Stream<Path> local = Files.list(spool)) {
                assertThat(local.map(p -> p.getFileName().toString()).filter(WalFileName::isWalFileName)
                        .filter(n -> !n.endsWith(".partial")).toList())
                        .as("uploaded segments beyond --keep-local 1 leave the spool").hasSize(1);
            }
            Result verify = run(concat(new String[] {"verify", "-D", location}, s3Flags()));
            assertThat(verify.code()).as(verify.err()).isZero();
        }

        try (PgCluster other = PgCluster.builder().name("s3_other").start()) {
            String end = other.switchWal();
            Result r = run(concat(new String[] {"receive", "-D", tmp.resolve("other").toString(), "-d",
                conninfo(other), "-E", end, "-n", "--no-progress", "--archive", location}, s3Flags()));
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains(location + " holds WAL of database system");
            try (WalStore store = store(location)) {
                assertThat(store.identity()).get().extracting(i -> i.systemIdString())
                        .isNotEqualTo(other.systemIdentifier());
            }
        }
    }

    @Test
    void aReceiverKilledDuringUploadsLeavesNoGapAndNoOverwrittenObject() throws Exception {
        String bucket = S3.createBucket();
        String location = "s3://" + bucket + "/killed";
        Path spool = tmp.resolve("spool");
        try (PgCluster primary = PgCluster.builder().name("s3_kill").start()) {
            primary.execute("SELECT pg_create_physical_replication_slot('s3_slot', true)");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-jar", Path.of("target", "walstream.jar").toString(),
                    "receive", "-D", spool.toString(), "-d", conninfo(primary), "-S", "s3_slot", "--no-progress",
                    "--archive", location, "--upload-concurrency", "2"));
            command.addAll(List.of(s3Flags()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("receive.log").toFile());
            pb.environment().put("AWS_ACCESS_KEY_ID", S3.accessKey());
            pb.environment().put("AWS_SECRET_ACCESS_KEY", S3.secretKey());
            pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
            Process receiver = pb.start();
            try {
                for (int i = 0; i < 6; i++) {
                    primary.execute("CREATE TABLE t" + i + " AS SELECT g AS id, md5(g::text) AS note"
                            + " FROM generate_series(1, 60000) g");
                    primary.switchWal();
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (objectCount(bucket, "killed") < 3 && System.nanoTime() < deadline && receiver.isAlive()) {
                    Thread.sleep(20);
                }
                assertThat(receiver.isAlive()).as(Files.readString(tmp.resolve("receive.log"))).isTrue();
            } finally {
                receiver.destroyForcibly(); // SIGKILL: uploads cut wherever they are
                receiver.waitFor(30, TimeUnit.SECONDS);
            }
            primary.execute("CREATE TABLE after_kill AS SELECT g FROM generate_series(1, 10000) g");
            String end = primary.switchWal();
            Result r = run(concat(new String[] {"receive", "-D", spool.toString(), "-d", conninfo(primary),
                "-S", "s3_slot", "-E", end, "-n", "--no-progress", "--archive", location}, s3Flags()));
            assertThat(r.code()).as(r.err()).isZero();

            List<String> segments;
            try (WalStore store = store(location)) {
                segments = store.names().stream().filter(WalFileName::isWalFileName).sorted().toList();
            }
            assertThat(segments).hasSizeGreaterThanOrEqualTo(5);
            for (String segment : segments) {
                assertThat(Files.readAllBytes(S3.objectFile(bucket, "killed/" + segment)))
                        .as(segment).isEqualTo(primary.readWalFile(segment));
            }
            Result verify = run(concat(new String[] {"verify", "-D", location}, s3Flags()));
            assertThat(verify.code()).as(verify.err()).isZero();
            assertThat(verify.err()).doesNotContain("gap");
        }
    }

    @Test
    void aStoreOutageUnderLoadLosesNothingAndUploadsCatchUp() throws Exception {
        try (S3ProxyServer own = S3ProxyServer.start(); PgCluster primary = PgCluster.builder().name("s3_outage")
                .start()) {
            String bucket = own.createBucket();
            String location = "s3://" + bucket + "/outage";
            String[] flags = {"--s3-endpoint", own.endpoint().toString(), "--s3-path-style"};
            System.setProperty("aws.secretAccessKey", own.secretKey());
            Path spool = tmp.resolve("spool");
            primary.execute("SELECT pg_create_physical_replication_slot('s3_slot', true)");
            CompletableFuture<Result> receiving = CompletableFuture.supplyAsync(() -> run(concat(new String[] {
                "receive", "-D", spool.toString(), "-d", conninfo(primary), "-S", "s3_slot", "--no-progress",
                "--archive", location, "--keep-local", "0"}, flags)));
            try {
                awaitObject(own, bucket, "outage/" + load(primary, 0, 2), receiving);
                own.stop();
                long outageStart = System.nanoTime();
                load(primary, 2, 5); // WAL keeps coming while the store is away: the spool keeps it
                Thread.sleep(Math.max(0, 15_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStart)));
                assertThat(receiving).isNotDone();
                own.restart();
                // the segment the switch completes is the last one: it and all before it must reach the store
                String last = primary.walFileName(primary.switchWal());
                awaitObject(own, bucket, "outage/" + last, receiving);
            } finally {
                ReceiveCommand.stopAll();
                Result r = receiving.get(60, TimeUnit.SECONDS);
                assertThat(r.code()).as(r.err()).isZero();
            }
            List<String> segments;
            try (WalStore store = S3WalStore.open(S3Location.parse(location), new S3Settings(own.endpoint(), true),
                    software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(own.accessKey(),
                                    own.secretKey())))) {
                segments = store.names().stream().filter(WalFileName::isWalFileName).sorted().toList();
            }
            for (String segment : segments) {
                assertThat(Files.readAllBytes(own.objectFile(bucket, "outage/" + segment)))
                        .as(segment).isEqualTo(primary.readWalFile(segment));
            }
            Result verify = run(concat(new String[] {"verify", "-D", location}, flags));
            assertThat(verify.code()).as(verify.err()).isZero();
        } finally {
            System.setProperty("aws.secretAccessKey", S3.secretKey());
        }
    }

    @Test
    void theSegmentBeingReceivedIsUploadedAsPartialAndRemovedOnceComplete() throws Exception {
        String bucket = S3.createBucket();
        String location = "s3://" + bucket + "/sub";
        Path spool = tmp.resolve("spool");
        try (PgCluster primary = PgCluster.builder().name("s3_partial").start()) {
            primary.execute("SELECT pg_create_physical_replication_slot('s3_slot', true)");
            CompletableFuture<Result> receiving = CompletableFuture.supplyAsync(() -> run(concat(new String[] {
                "receive", "-D", spool.toString(), "-d", conninfo(primary), "-S", "s3_slot", "--progress",
                "--archive", location, "--partial-upload-interval", "0.5", "-s", "1"}, s3Flags())));
            try {
                primary.execute("CREATE TABLE p AS SELECT g FROM generate_series(1, 20000) g");
                String flushed = primary.queryString("SELECT pg_current_wal_flush_lsn()::text");
                String segment = primary.walFileName(flushed);
                int segmentBytes = primary.walSegmentSize();
                int offset = (int) (io.walstream.protocol.Lsn.parse(flushed).value() % segmentBytes);
                Path object = S3.objectFile(bucket, "sub/" + segment + ".partial");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (!coversPrefix(object, primary.readWalFile(segment), offset)) {
                    assertThat(receiving).isNotDone();
                    assertThat(System.nanoTime()).as("%s.partial up to %s in the store", segment, flushed)
                            .isLessThan(deadline);
                    Thread.sleep(200);
                }
                assertThat(Files.size(object)).as("zero-filled to the segment size").isEqualTo(segmentBytes);

                primary.switchWal();
                awaitObject(S3, bucket, "sub/" + segment, receiving);
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (Files.exists(object)) {
                    assertThat(System.nanoTime()).as("the .partial leaves once complete").isLessThan(deadline);
                    Thread.sleep(100);
                }
                assertThat(S3.objectFile(bucket, "sub/" + segment)).hasSameBinaryContentAs(
                        writeTemp(primary.readWalFile(segment)));
                Thread.sleep(1500); // a progress line after the upload
            } finally {
                ReceiveCommand.stopAll();
                Result r = receiving.get(60, TimeUnit.SECONDS);
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(r.err()).as("the progress line shows the store's position").containsPattern(
                        "  store [0-9A-F]+/[0-9A-F]+, [0-9.]+ [kM]?B behind");
            }
        }
    }

    /** The object exists and its first {@code length} bytes are the server's. */
    static boolean coversPrefix(Path object, byte[] server, int length) throws IOException {
        if (!Files.exists(object)) {
            return false;
        }
        byte[] stored;
        try {
            stored = Files.readAllBytes(object);
        } catch (java.nio.file.NoSuchFileException replacedMeanwhile) {
            return false;
        }
        return stored.length >= length
                && java.util.Arrays.equals(stored, 0, length, server, 0, length);
    }

    Path writeTemp(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(tmp, "server", ".wal"), bytes);
    }

    @Test
    void aHotStandbyFedOnlyFromObjectStorageReachesThePrimarysData() throws Exception {
        // The standby's server runs as another account: it must be able to read the jar.
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = tmp.resolve("walstream.jar");
        Files.copy(Path.of("target", "walstream.jar"), jar);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String bucket = S3.createBucket();
        String location = "s3://" + bucket + "/standby";
        try (PgCluster primary = PgCluster.builder().name("s3_primary").start()) {
            primary.execute("SELECT pg_create_physical_replication_slot('s3_slot', true)");
            CompletableFuture<Result> receiving = CompletableFuture.supplyAsync(() -> run(concat(new String[] {
                "receive", "-D", tmp.resolve("spool").toString(), "-d", conninfo(primary), "-S", "s3_slot",
                "--no-progress", "--archive", location}, s3Flags())));
            try {
                // credentials as the SDK reads them, in restore_command's environment (a test's throwaway secret)
                String restore = "AWS_ACCESS_KEY_ID=" + S3.accessKey() + " AWS_SECRET_ACCESS_KEY=" + S3.secretKey()
                        + " AWS_EC2_METADATA_DISABLED=true " + java + " -jar " + jar + " restore %f %p -D " + location
                        + " --s3-endpoint " + S3.endpoint() + " --s3-path-style";
                try (PgCluster standby = primary.createStandby(
                        io.walstream.pgcluster.StandbyOptions.restoreOnly("s3_standby", restore))) {
                    primary.execute("CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note"
                            + " FROM generate_series(1, 50000) g");
                    String lsn = primary.switchWal();
                    standby.waitForReplay(lsn, Duration.ofSeconds(180));
                    assertThat(standby.isInRecovery()).isTrue();
                    String sum = "SELECT md5(string_agg(note, ',' ORDER BY id)) FROM orders";
                    assertThat(standby.queryString(sum)).isEqualTo(primary.queryString(sum));
                }
                Result status = run(concat(new String[] {"status", "-D", location, "-d", conninfo(primary),
                    "--json"}, s3Flags()));
                assertThat(status.code()).as(status.err()).isZero();
                assertThat(status.out()).contains("\"sameSystem\": true").containsPattern("\"lagBytes\": \\d+");
            } finally {
                ReceiveCommand.stopAll();
                Result r = receiving.get(60, TimeUnit.SECONDS);
                assertThat(r.code()).as(r.err()).isZero();
            }
        }
    }

    /** Some WAL, each table ending its segment; returns the last segment completed. */
    static String load(PgCluster primary, int from, int to) {
        String last = null;
        for (int i = from; i < to; i++) {
            primary.execute("CREATE TABLE o" + i + " AS SELECT g AS id, md5(g::text) AS note"
                    + " FROM generate_series(1, 60000) g");
            last = primary.walFileName(primary.switchWal());
        }
        return last;
    }

    static void awaitObject(S3ProxyServer server, String bucket, String key, CompletableFuture<Result> receiving)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.exists(server.objectFile(bucket, key))) {
            if (receiving.isDone()) {
                throw new AssertionError("receive ended: " + receiving.get().err());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(key + " not uploaded within 180 s");
            }
            Thread.sleep(100);
        }
    }

    static long objectCount(String bucket, String prefix) throws IOException {
        return objectCount(S3, bucket, prefix);
    }

    static long objectCount(S3ProxyServer server, String bucket, String prefix) throws IOException {
        Path dir = server.objectFile(bucket, prefix);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> WalFileName.isWalFileName(p.getFileName().toString())).count();
        }
    }
}
