package io.walstream.store.s3;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.StoreConflictException;
import io.walstream.archiver.store.WalStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A WAL archive in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, S3Proxy, GCS and Azure through S3
 * gateways): the file {@code NAME} is the object {@code PREFIX/NAME}.
 *
 * <p>Puts are idempotent and never replace different bytes. Each object carries its CRC32C in the metadata
 * {@value #CRC32C_METADATA}, so an existing object is compared by a HEAD. Where the store honours
 * {@code If-None-Match: *} (AWS S3, MinIO; probed once with a scratch object) the PUT itself cannot overwrite: a 412
 * answer means the name is taken, and a HEAD tells whether by the same bytes (a retry whose first answer was lost)
 * or not (a conflict). Where it does not (S3Proxy, older gateways) the object is looked up before the PUT and checked
 * after it. The bytes are checked by the store too: a CRC32C header, or Content-MD5 when the store refuses that
 * header (S3Proxy answers 501). The SDK retries 5xx answers, timeouts and refused connections with backoff.
 */
public final class S3WalStore implements WalStore {

    private static final Logger log = LoggerFactory.getLogger(S3WalStore.class);

    /** User metadata holding the object's CRC32C (8 hex digits); the header is {@code x-amz-meta-walstream-crc32c}. */
    public static final String CRC32C_METADATA = "walstream-crc32c";

    private static final int MAX_ATTEMPTS = 6;

    private final S3Client client;
    private final S3Location location;
    /** Null until probed: whether the store refuses a PUT with {@code If-None-Match: *} onto an existing key. */
    private volatile Boolean conditionalWrites;
    /** Set once the store answered a CRC32C checksum header with an error: Content-MD5 from then on. */
    private volatile boolean crc32cRefused;
    /** Set once the store answered DeleteObjects with 501: one DELETE per file from then on. */
    private volatile boolean batchDeleteRefused;
    private final DigestsAhead digests = new DigestsAhead(() -> crc32cRefused);

    S3WalStore(S3Client client, S3Location location) {
        this.client = client;
        this.location = location;
    }

    /**
     * The SDK's switch for the EC2 instance metadata endpoint ({@code AWS_EC2_METADATA_DISABLED} as a system
     * property); system properties win over the environment.
     */
    static final String METADATA_DISABLED_PROPERTY = "aws.disableEc2Metadata";
    static final String METADATA_DISABLED_ENV = "AWS_EC2_METADATA_DISABLED";

    /** Opens the store with the SDK's default credentials chain and region (us-east-1 when none is configured). */
    public static S3WalStore open(S3Location location, S3Settings settings) {
        disableInstanceMetadataUnlessOptedIn(System.getenv(), System.getProperties());
        return open(location, settings, DefaultCredentialsProvider.builder().build());
    }

    /**
     * With no region or credentials configured, the SDK's default chains end at the EC2 instance metadata endpoint,
     * which off EC2 means seconds of connect timeouts on every command (a {@code restore_command} run per WAL file
     * included). It is off unless the user asked for it: {@code AWS_EC2_METADATA_DISABLED=false} or
     * {@code -Daws.disableEc2Metadata=false} (on EC2, for an instance role or the instance's region).
     */
    static void disableInstanceMetadataUnlessOptedIn(java.util.Map<String, String> env,
            java.util.Properties properties) {
        if (properties.getProperty(METADATA_DISABLED_PROPERTY) == null && env.get(METADATA_DISABLED_ENV) == null) {
            properties.setProperty(METADATA_DISABLED_PROPERTY, "true");
        }
    }

    public static S3WalStore open(S3Location location, S3Settings settings, AwsCredentialsProvider credentials) {
        disableInstanceMetadataUnlessOptedIn(System.getenv(), System.getProperties());
        S3ClientBuilder builder = S3Client.builder()
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                // Checksums are chosen per request below (CRC32C, or Content-MD5 for stores refusing it); the
                // SDK's default (a CRC32 on every PUT, 2.30+) is what some S3-compatible stores answer 501 to.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .putAuthScheme(Md5BoundSigner.scheme())
                .overrideConfiguration(c -> c.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(MAX_ATTEMPTS).build()))
                .forcePathStyle(settings.pathStyle());
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        try {
            builder.region(new DefaultAwsRegionProviderChain().getRegion());
        } catch (SdkClientException noRegion) {
            // Most S3-compatible stores ignore the region; on AWS S3 the SDK follows the bucket's.
            builder.region(Region.US_EAST_1).crossRegionAccessEnabled(true);
        }
        return new S3WalStore(builder.build(), location);
    }

    @Override
    public String location() {
        return location.toString();
    }

    public S3Location s3Location() {
        return location;
    }

    /** The region requests are signed for. */
    Region region() {
        return client.serviceClientConfiguration().region();
    }

    // ------------------------------------------------------------------ reading

    @Override
    public List<StoredFile> list() throws IOException {
        List<StoredFile> files = new ArrayList<>();
        String prefix = location.keyPrefix();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = call("LIST", prefix, () -> client.listObjectsV2(b -> b
                    .bucket(location.bucket()).prefix(prefix).delimiter("/").continuationToken(continuation)));
            for (S3Object o : page.contents()) {
                String name = o.key().substring(prefix.length());
                if (!name.isEmpty()) {
                    files.add(new StoredFile(name, o.size(), o.lastModified()));
                }
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return files;
    }

    /** As the default, but a failure's message is the store's one line (the HTTP status, a refused credential). */
    @Override
    public List<String> names() {
        try {
            return list().stream().map(StoredFile::name).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public Optional<ArchiveDirectory.Identity> identity() {
        try (InputStream in = open(ArchiveDirectory.IDENTITY_FILE)) {
            return Optional.of(ArchiveDirectory.Identity.parse(in.readAllBytes(), location()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public Optional<StoredFile> stat(String name) throws IOException {
        return head(name).map(h -> new StoredFile(name, h.contentLength(), h.lastModified()));
    }

    private Optional<HeadObjectResponse> head(String name) throws IOException {
        String key = location.key(name);
        try {
            return Optional.of(client.headObject(b -> b.bucket(location.bucket()).key(key)));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("HEAD", key, e);
        } catch (SdkException e) {
            throw failure("HEAD", key, e);
        }
    }

    @Override
    public InputStream open(String name) throws IOException {
        String key = location.key(name);
        try {
            return client.getObject(b -> b.bucket(location.bucket()).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(location.toString() + "/" + name);
            }
            throw failure("GET", key, e);
        } catch (SdkException e) {
            throw failure("GET", key, e);
        }
    }

    // ------------------------------------------------------------------ writing

    @Override
    public PutOutcome put(String name, Path source) throws IOException {
        String key = location.key(name);
        boolean conditional = conditionalWrites(); // first: it settles whether the digest needs the MD5
        ObjectDigest digest = digests.digest(source);
        if (!conditional) {
            Optional<HeadObjectResponse> existing = head(name);
            if (existing.isPresent()) {
                return compareExisting(name, existing.get(), digest, source);
            }
        }
        for (int attempt = 1; ; attempt++) {
            try {
                client.putObject(putRequest(key, digest, conditional), RequestBody.fromFile(source));
                break;
            } catch (S3Exception e) {
                if (e.statusCode() == 412 && conditional) {
                    // the name is taken: by these bytes (an earlier attempt whose answer was lost) or others
                    Optional<HeadObjectResponse> existing = head(name);
                    if (existing.isPresent()) {
                        return compareExisting(name, existing.get(), digest, source);
                    }
                    continue; // removed since: try again
                }
                if (!crc32cRefused && refusesChecksumHeader(e)) {
                    crc32cRefused = true; // a store that took the probe's header but not this one's
                    log.info("{} refuses the x-amz-checksum-crc32c header (HTTP {}): sending Content-MD5 instead",
                            location, e.statusCode());
                    digest = digest.withMd5(source);
                    continue;
                }
                if (e.statusCode() == 409 && attempt < MAX_ATTEMPTS) {
                    continue; // AWS's ConditionalRequestConflict: a concurrent conditional write on the key
                }
                throw failure("PUT", key, e);
            } catch (SdkException e) {
                throw failure("PUT", key, e);
            }
        }
        if (!conditional) {
            // Without conditional writes two writers can race between the HEAD and the PUT: the object is
            // now whatever was put last, and must be ours.
            Optional<HeadObjectResponse> stored = head(name);
            if (stored.isEmpty() || !digest.matches(stored.get())) {
                throw new StoreConflictException(location.toString(), name);
            }
        }
        return PutOutcome.STORED;
    }

    private PutObjectRequest putRequest(String key, ObjectDigest digest, boolean conditional) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(location.bucket()).key(key)
                .contentLength(digest.size())
                .metadata(Map.of(CRC32C_METADATA, digest.crc32cHex()));
        if (conditional) {
            b.ifNoneMatch("*");
        }
        if (crc32cRefused) {
            b.contentMD5(digest.md5Base64());
        } else {
            b.checksumCRC32C(digest.crc32cBase64());
        }
        return b.build();
    }

    /** 501 NotImplemented (S3Proxy) or a 400 that names the header: the store does not take CRC32C checksums. */
    private static boolean refusesChecksumHeader(S3Exception e) {
        if (e.statusCode() == 501) {
            return true;
        }
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return e.statusCode() == 400 && message != null && message.toLowerCase().contains("checksum");
    }

    private PutOutcome compareExisting(String name, HeadObjectResponse existing, ObjectDigest digest, Path source)
            throws IOException {
        if (existing.contentLength() != digest.size()) {
            throw new StoreConflictException(location.toString(), name);
        }
        if (existing.metadata().containsKey(CRC32C_METADATA)) {
            if (digest.matches(existing)) {
                return PutOutcome.ALREADY_STORED;
            }
            throw new StoreConflictException(location.toString(), name);
        }
        // put by another tool: compare the bytes themselves
        try (InputStream stored = new BufferedInputStream(open(name), 1 << 16);
                InputStream local = new BufferedInputStream(Files.newInputStream(source), 1 << 16)) {
            int a;
            do {
                a = stored.read();
                if (a != local.read()) {
                    throw new StoreConflictException(location.toString(), name);
                }
            } while (a >= 0);
        }
        return PutOutcome.ALREADY_STORED;
    }

    /**
     * Whether the store refuses {@code If-None-Match: *} onto an existing key. Probed once by a scratch object under
     * the prefix, then removed: a PUT with the CRC32C header (refused by some stores; then one without it), so that
     * the key exists, then a conditional PUT onto it, which a store that honours the header refuses with 412 and
     * several S3-compatible stores accept, overwriting. The probe's body is empty so that a refusal is read as an
     * answer: a server answering before it has read a large body leaves the client with a broken pipe instead.
     */
    boolean conditionalWrites() throws IOException {
        Boolean known = conditionalWrites;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (conditionalWrites != null) {
                return conditionalWrites;
            }
            String key = location.key(".walstream-probe-" + UUID.randomUUID());
            ObjectDigest empty = ObjectDigest.EMPTY;
            boolean honoured;
            try {
                try {
                    client.putObject(b -> b.bucket(location.bucket()).key(key).checksumCRC32C(empty.crc32cBase64()),
                            RequestBody.empty());
                } catch (S3Exception e) {
                    if (!refusesChecksumHeader(e)) {
                        throw e;
                    }
                    crc32cRefused = true;
                    client.putObject(b -> b.bucket(location.bucket()).key(key), RequestBody.empty());
                }
                try {
                    probePut(key); // onto the key just put
                    honoured = false;
                } catch (S3Exception e) {
                    if (e.statusCode() != 412 && !notImplemented(e)) {
                        throw e;
                    }
                    honoured = e.statusCode() == 412;
                }
            } catch (S3Exception e) {
                if (!notImplemented(e)) {
                    throw failure("PUT", key, e);
                }
                honoured = false;
            } catch (SdkException e) {
                throw failure("PUT", key, e);
            } finally {
                try {
                    client.deleteObject(b -> b.bucket(location.bucket()).key(key));
                } catch (SdkException e) {
                    log.warn("could not remove the probe object {} in {}: {}", key, location.bucket(), e.getMessage());
                }
            }
            log.info("{} {} conditional writes (If-None-Match: *){} and {} CRC32C checksum headers{}", location,
                    honoured ? "honours" : "ignores",
                    honoured ? "" : " (each upload is looked up before and checked after its PUT)",
                    crc32cRefused ? "refuses" : "takes", crc32cRefused ? " (Content-MD5 instead)" : "");
            conditionalWrites = honoured;
            return honoured;
        }
    }

    private void probePut(String key) {
        client.putObject(b -> b.bucket(location.bucket()).key(key).ifNoneMatch("*"), RequestBody.empty());
    }

    /** Whether {@link #deleteAll} sends DeleteObjects (until the store refuses it). */
    boolean deletesInBatches() {
        return !batchDeleteRefused;
    }

    /** How each PUT's bytes are checked by the store: {@code CRC32C} or {@code Content-MD5}. */
    String checksumHeader() {
        return crc32cRefused ? "Content-MD5" : "CRC32C";
    }

    private static boolean notImplemented(S3Exception e) {
        return e.statusCode() == 501 || e.statusCode() == 400;
    }

    /**
     * Replaces {@code NAME.partial}, the segment being received: the one kind of object that is overwritten, as it
     * grows. A PUT is atomic, so a reader sees the previous upload or this one, never part of one.
     */
    public void replacePartial(String name, Path source) throws IOException {
        if (!name.endsWith(".partial")) {
            throw new IllegalArgumentException(name + " is not a .partial: archived files are never replaced");
        }
        String key = location.key(name);
        conditionalWrites(); // settles which checksum header the store takes
        ObjectDigest digest = ObjectDigest.of(source, crc32cRefused);
        try {
            client.putObject(putRequest(key, digest, false), RequestBody.fromFile(source));
        } catch (SdkException e) {
            throw failure("PUT", key, e);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        String key = location.key(name);
        call("DELETE", key, () -> client.deleteObject(b -> b.bucket(location.bucket()).key(key)));
    }

    /**
     * One DeleteObjects request per call (up to 1000 keys); a key the store could not remove is an exception. A
     * store that does not implement it (S3Proxy answers 501) gets one DELETE per key from then on.
     */
    @Override
    public void deleteAll(List<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        if (batchDeleteRefused || names.size() == 1) {
            WalStore.super.deleteAll(names);
            return;
        }
        List<ObjectIdentifier> keys = names.stream().map(n -> ObjectIdentifier.builder().key(location.key(n)).build())
                .toList();
        DeleteObjectsResponse response;
        try {
            response = client.deleteObjects(b -> b.bucket(location.bucket()).delete(d -> d.objects(keys).quiet(true)));
        } catch (S3Exception e) {
            if (!notImplemented(e)) {
                throw failure("DELETE", keys.get(0).key() + " and " + (keys.size() - 1) + " more", e);
            }
            log.info("{} does not take DeleteObjects (HTTP {}): one DELETE per file", location, e.statusCode());
            batchDeleteRefused = true;
            WalStore.super.deleteAll(names);
            return;
        } catch (SdkException e) {
            throw failure("DELETE", keys.get(0).key() + " and " + (keys.size() - 1) + " more", e);
        }
        if (response.hasErrors() && !response.errors().isEmpty()) {
            S3Error e = response.errors().get(0);
            throw new S3StoreException("DELETE s3://" + location.bucket() + "/" + e.key() + " failed: " + e.code()
                    + " " + e.message() + (response.errors().size() > 1 ? " (and " + (response.errors().size() - 1)
                    + " more keys)" : ""), 0, null);
        }
    }

    @Override
    public void willPut(Path source) {
        digests.announce(source);
    }

    @Override
    public void close() {
        digests.close();
        client.close();
    }

    // ------------------------------------------------------------------ errors

    private <T> T call(String operation, String key, java.util.function.Supplier<T> request) throws IOException {
        try {
            return request.get();
        } catch (SdkException e) {
            throw failure(operation, key, e);
        }
    }

    /** One line: the store, the request, the key and what went wrong, with a hint for refused credentials. */
    private S3StoreException failure(String operation, String key, SdkException e) {
        String where = "s3://" + location.bucket() + "/" + key;
        if (e instanceof S3Exception s) {
            String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            String hint = switch (s.statusCode()) {
                case 403 -> ": access denied; check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
                        + " AWS_PROFILE) and the bucket's policy";
                case 404 -> "NoSuchBucket".equals(code) ? ": the bucket does not exist" : "";
                default -> "";
            };
            return new S3StoreException(operation + " " + where + " failed: HTTP " + s.statusCode()
                    + (code == null ? "" : " " + code) + hint, s.statusCode(), e);
        }
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return new S3StoreException(operation + " " + where + " failed: " + message, 0, e);
    }
}
