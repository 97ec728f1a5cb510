package io.walstream.cli;

import io.walstream.store.s3.S3Settings;
import java.net.URI;
import picocli.CommandLine.Option;

/** The object-store flags every command taking {@code s3://BUCKET/PREFIX} has; the rest is the AWS SDK's own. */
final class S3Options {

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "Object store URL for s3:// locations"
            + " (default: AWS_ENDPOINT_URL, else AWS S3). Credentials and region: the AWS SDK's environment"
            + " (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_REGION; without a region us-east-1;"
            + " the EC2 instance metadata endpoint only with AWS_EC2_METADATA_DISABLED=false).")
    URI endpoint;

    @Option(names = "--s3-path-style", description = "Address buckets as URL/BUCKET/KEY (MinIO, Ceph, S3Proxy)"
            + " rather than BUCKET.HOST/KEY.")
    boolean pathStyle;

    S3Settings settings() {
        return new S3Settings(endpoint, pathStyle);
    }
}
