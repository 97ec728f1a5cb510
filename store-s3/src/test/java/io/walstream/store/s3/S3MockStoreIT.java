package io.walstream.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.archiver.store.StoreConflictException;
import io.walstream.archiver.store.WalStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * S3WalStore against a store that honours {@code If-None-Match: *}, takes CRC32C checksums and implements
 * DeleteObjects, as AWS S3 and MinIO do: S3Mock, a real S3 API server, where S3WalStoreIT's S3Proxy has none of
 * the three. The probe once took such a store for a failure (its own scratch PUT answered 412).
 */
class S3MockStoreIT {

    static final String SEGMENT = "000000010000000000000003";
    static S3MockServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        server = S3MockServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static S3WalStore store(URI endpoint, String bucket) {
        return S3WalStore.open(new S3Location(bucket, "p"), new S3Settings(endpoint, true),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("walstream-test", "any")));
    }

    Path file(String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return Files.write(tmp.resolve(name + "-" + seed), bytes);
    }

    static byte[] read(S3WalStore store, String name) throws IOException {
        try (InputStream in = store.open(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void conditionalWritesAndCrc32cAreFoundAndAnArchivedNameIsNeverOverwritten() throws IOException {
        Path segment = file(SEGMENT, 1 << 20, 1);
        try (S3WalStore store = store(server.endpoint(), server.createBucket())) {
            assertThat(store.conditionalWrites()).isTrue();
            assertThat(store.checksumHeader()).isEqualTo("CRC32C");
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.STORED);
            assertThat(store.put(SEGMENT, segment)).isEqualTo(WalStore.PutOutcome.ALREADY_STORED);
            assertThatThrownBy(() -> store.put(SEGMENT, file(SEGMENT, 1 << 20, 2)))
                    .isInstanceOf(StoreConflictException.class).hasMessageContaining(SEGMENT);
            assertThat(read(store, SEGMENT)).isEqualTo(Files.readAllBytes(segment));
            assertThat(store.list()).extracting(WalStore.StoredFile::name).containsExactly(SEGMENT);
        }
    }

    @Test
    void aPutWhoseAnswerWasLostIsRecognisedOnRetryByTheStoresOwnRefusal() throws IOException {
        Path segment = file(SEGMENT, 1 << 20, 3);
        try (S3FaultProxy proxy = S3FaultProxy.start(server.endpoint());
                S3WalStore store = store(proxy.endpoint(), server.createBucket())) {
            assertThat(store.conditionalWrites()).isTrue();
            proxy.dropNextPutResponses(1);
            assertThat(store.put(SEGMENT, segment)).isIn(WalStore.PutOutcome.STORED,
                    WalStore.PutOutcome.ALREADY_STORED);
            assertThat(proxy.droppedResponses()).isEqualTo(1);
            assertThat(read(store, SEGMENT)).isEqualTo(Files.readAllBytes(segment));
        }
    }

    @Test
    void pruneRemovesWithDeleteObjectsAndAPartialIsReplaced() throws IOException {
        try (S3WalStore store = store(server.endpoint(), server.createBucket())) {
            List<String> names = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                String name = String.format("0000000100000000000000%02X", i);
                store.put(name, file(name, 1024, i));
                names.add(name);
            }
            store.deleteAll(names.subList(0, 4));
            assertThat(store.deletesInBatches()).as("DeleteObjects taken, not answered 501").isTrue();
            assertThat(store.list()).extracting(WalStore.StoredFile::name).containsExactly(names.get(4));

            String partial = "000000010000000000000006.partial";
            store.replacePartial(partial, file("p", 4096, 10));
            Path newer = file("p", 8192, 11);
            store.replacePartial(partial, newer);
            assertThat(read(store, partial)).isEqualTo(Files.readAllBytes(newer));
        }
    }
}
