package io.walstream.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.archiver.prune.Cutoff;
import io.walstream.archiver.prune.Retention;
import io.walstream.archiver.store.StoreConflictException;
import io.walstream.archiver.store.WalStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** S3WalStore against S3Proxy, directly (no conditional writes, no CRC32C) and through a fault proxy. */
class S3WalStoreIT {

    static final S3ProxyServer SERVER = S3ProxyServer.shared();
    static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path tmp;

    static S3WalStore store(URI endpoint, String bucket, String prefix, String secret) {
        return S3WalStore.open(new S3Location(bucket, prefix), new S3Settings(endpoint, true),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(SERVER.accessKey(), secret)));
    }

    static S3WalStore store(String bucket, String prefix) {
        return store(SERVER.endpoint(), bucket, prefix, SERVER.secretKey());
    }

    Path file(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(tmp.resolve(name + "-" + seed), bytes);
    }

    @Test
    void putListStatOpenDeleteAgainstS3Proxy() throws IOException {
        String bucket = SERVER.createBucket();
        Path segment = file(SEGMENT, 1 << 20, 1);
        try (S3WalStore store = store(bucket, "pg/main"); S3WalStore other = store(bucket, "pg")) {
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.STORED);
            assertThat(SERVER.objectFile(bucket, "pg/main/" + SEGMENT)).hasSameBinaryContentAs(segment);
            // S3Proxy overwrites despite If-None-Match and answers 501 to CRC32C headers: both fall back
            assertThat(store.conditionalWrites()).isFalse();
            assertThat(store.checksumHeader()).isEqualTo("Content-MD5");

            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.ALREADY_STORED);
            Path different = file(SEGMENT, 1 << 20, 2);
            assertThatThrownBy(() -> store.put(SEGMENT, different)).isInstanceOf(StoreConflictException.class)
                    .hasMessageContaining(SEGMENT);
            assertThat(SERVER.objectFile(bucket, "pg/main/" + SEGMENT)).hasSameBinaryContentAs(segment);

            assertThat(store.names()).containsExactly(SEGMENT);
            assertThat(other.names()).as("a shorter prefix does not see the nested files").isEmpty();
            assertThat(store.stat(SEGMENT)).get().extracting(WalStore.StoredFile::size).isEqualTo(1L << 20);
            assertThat(store.stat("00000002.history")).isEmpty();
            try (InputStream in = store.open(SEGMENT)) {
                assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(segment));
            }
            assertThatThrownBy(() -> store.open("00000002.history")).isInstanceOf(NoSuchFileException.class);
            store.delete(SEGMENT);
            store.delete(SEGMENT);
            assertThat(store.names()).isEmpty();
        }
    }

    @Test
    void pruneRemovesObjectsInBatchesOldestFirst() throws IOException {
        String bucket = SERVER.createBucket();
        Path bytes = file(SEGMENT, 4096, 3);
        try (S3WalStore store = store(bucket, "pg/main")) {
            for (int seg = 1; seg <= 6; seg++) {
                store.put(String.format("0000000100000000%08X", seg), bytes);
            }
            store.put("000000010000000000000002.00000028.backup", bytes);
            store.deleteAll(List.of("000000010000000000000006", "000000010000000000000009"));
            assertThat(store.names()).as("a name already gone is no error").hasSize(6)
                    .doesNotContain("000000010000000000000006");

            Retention retention = new Retention(store, Optional.empty());
            Retention.Plan plan = retention.plan(new Cutoff.BeforeSegment("000000010000000000000004"));
            List<String> removed = new ArrayList<>();
            retention.remove(plan, r -> removed.add(r.name()));
            assertThat(removed).containsExactly("000000010000000000000001", "000000010000000000000002",
                    "000000010000000000000002.00000028.backup", "000000010000000000000003");
            assertThat(store.names()).containsExactly("000000010000000000000004", "000000010000000000000005");
        }
    }

    @Test
    void objectsPutByAnotherToolAreComparedByTheirBytes() throws IOException {
        String bucket = SERVER.createBucket();
        Path segment = file(SEGMENT, 4096, 3);
        Path stored = SERVER.objectFile(bucket, "a/" + SEGMENT);
        Files.createDirectories(stored.getParent());
        Files.copy(segment, stored); // no walstream checksum metadata
        try (S3WalStore store = store(bucket, "a")) {
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.ALREADY_STORED);
            Path different = file(SEGMENT, 4096, 4);
            assertThatThrownBy(() -> store.put(SEGMENT, different)).isInstanceOf(StoreConflictException.class);
        }
    }

    @Test
    void aStoreHonouringIfNoneMatchIsWrittenConditionally() throws IOException {
        String bucket = SERVER.createBucket();
        Path segment = file(SEGMENT, 1 << 20, 5);
        try (S3FaultProxy proxy = S3FaultProxy.start(SERVER.endpoint());
                S3WalStore store = store(proxy.endpoint(), bucket, "p", SERVER.secretKey())) {
            proxy.honourIfNoneMatch(path -> Files.exists(SERVER.objectFile(bucket, path.substring(bucket.length() + 2))));
            assertThat(store.conditionalWrites()).isTrue();
            int putsBefore = proxy.puts();
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.STORED);
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.ALREADY_STORED);
            assertThat(proxy.conditionalRefusals()).as("the second put was refused by the store, not skipped")
                    .isGreaterThanOrEqualTo(2);
            assertThatThrownBy(() -> store.put(SEGMENT, file(SEGMENT, 1 << 20, 6)))
                    .isInstanceOf(StoreConflictException.class).hasMessageContaining(SEGMENT);
            assertThat(SERVER.objectFile(bucket, "p/" + SEGMENT)).hasSameBinaryContentAs(segment);
            assertThat(proxy.puts() - putsBefore).isGreaterThanOrEqualTo(3);
        }
    }

    /**
     * Over plain http a PUT with Content-MD5 leaves its payload unsigned (Md5BoundSigner): the store's MD5 check is
     * then what stands between a damaged body and an archived segment, so a flipped byte must still be refused.
     */
    @Test
    void aBodyDamagedOnTheWayIsRefusedByTheStoreThoughThePayloadIsUnsigned() throws IOException {
        String bucket = SERVER.createBucket();
        Path segment = file(SEGMENT, 1 << 20, 9);
        try (S3FaultProxy proxy = S3FaultProxy.start(SERVER.endpoint());
                S3WalStore store = store(proxy.endpoint(), bucket, "p", SERVER.secretKey())) {
            store.put("00000002.history", file("h", 10, 8)); // settles the checksum header first
            assertThat(store.checksumHeader()).isEqualTo("Content-MD5");
            assertThat(proxy.payloadHashes()).as("one hash, the MD5, not a second over the payload")
                    .containsExactly("UNSIGNED-PAYLOAD");
            proxy.corruptNextPutBodies(1);
            assertThatThrownBy(() -> store.put(SEGMENT, segment)).isInstanceOf(S3StoreException.class)
                    .hasMessageContaining("PUT s3://" + bucket + "/p/" + SEGMENT).hasMessageContaining("BadDigest");
            assertThat(SERVER.objectFile(bucket, "p/" + SEGMENT)).doesNotExist();
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.STORED);
            assertThat(SERVER.objectFile(bucket, "p/" + SEGMENT)).hasSameBinaryContentAs(segment);
        }
    }

    @Test
    void aPutWhoseAnswerWasLostIsRecognisedOnRetryInBothModes() throws IOException {
        for (boolean conditional : new boolean[] {false, true}) {
            String bucket = SERVER.createBucket();
            Path segment = file(SEGMENT, 1 << 20, 7);
            try (S3FaultProxy proxy = S3FaultProxy.start(SERVER.endpoint());
                    S3WalStore store = store(proxy.endpoint(), bucket, "p", SERVER.secretKey())) {
                if (conditional) {
                    proxy.honourIfNoneMatch(
                            path -> Files.exists(SERVER.objectFile(bucket, path.substring(bucket.length() + 2))));
                }
                assertThat(store.conditionalWrites()).isEqualTo(conditional);
                store.put("00000002.history", file("h", 10, 8)); // the checksum header is settled before the fault
                proxy.dropNextPutResponses(1);
                assertThat(store.put(SEGMENT, segment)).isIn(WalStore.PutOutcome.STORED,
                        WalStore.PutOutcome.ALREADY_STORED);
                assertThat(proxy.droppedResponses()).isEqualTo(1);
                assertThat(SERVER.objectFile(bucket, "p/" + SEGMENT)).hasSameBinaryContentAs(segment);
            }
        }
    }

    @Test
    void serverErrorsAreRetried() throws IOException {
        String bucket = SERVER.createBucket();
        try (S3FaultProxy proxy = S3FaultProxy.start(SERVER.endpoint());
                S3WalStore store = store(proxy.endpoint(), bucket, "p", SERVER.secretKey())) {
            proxy.failNext(2);
            Path segment = file(SEGMENT, 4096, 9);
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.STORED);
            assertThat(SERVER.objectFile(bucket, "p/" + SEGMENT)).hasSameBinaryContentAs(segment);
        }
    }

    @Test
    void wrongCredentialsAreOneLineNamingThe403WithoutTheSecret() throws IOException {
        String bucket = SERVER.createBucket();
        String wrong = "not-the-secret-" + System.nanoTime();
        try (S3WalStore store = store(SERVER.endpoint(), bucket, "p", wrong)) {
            assertThatThrownBy(store::list).isInstanceOf(S3StoreException.class)
                    .hasMessageContaining("HTTP 403").hasMessageContaining("s3://" + bucket + "/p/")
                    .hasMessageNotContaining(wrong).hasMessageNotContaining("\n")
                    .satisfies(e -> assertThat(((S3StoreException) e).retryable()).isFalse());
        }
    }

    @Test
    void anUnreachableStoreIsARetryableFailure() throws IOException {
        URI nowhere;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            nowhere = URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
        try (S3WalStore store = store(nowhere, "bucket", "p", "x")) {
            assertThatThrownBy(() -> store.stat(SEGMENT)).isInstanceOf(S3StoreException.class)
                    .satisfies(e -> assertThat(((S3StoreException) e).retryable()).isTrue());
        }
    }
}
