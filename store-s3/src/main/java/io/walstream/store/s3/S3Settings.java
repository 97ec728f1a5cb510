package io.walstream.store.s3;

import java.net.URI;

/**
 * What the command line adds to the SDK's own configuration ({@code AWS_ENDPOINT_URL}, {@code AWS_REGION}, the
 * default credentials chain and profiles), for stores other than AWS S3.
 *
 * @param endpoint  the store's URL ({@code --s3-endpoint}), or null for the SDK's (AWS_ENDPOINT_URL or AWS S3)
 * @param pathStyle address buckets as {@code ENDPOINT/BUCKET/KEY} rather than {@code BUCKET.ENDPOINT/KEY}
 *                  ({@code --s3-path-style}; MinIO, Ceph and S3Proxy usually need it)
 */
public record S3Settings(URI endpoint, boolean pathStyle) {

    public static final S3Settings DEFAULTS = new S3Settings(null, false);
}
