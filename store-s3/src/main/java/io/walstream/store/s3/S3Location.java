package io.walstream.store.s3;

/**
 * Where in object storage an archive lives: {@code s3://BUCKET/PREFIX}. A file {@code NAME} of the archive is the
 * object {@code PREFIX/NAME} ({@code NAME} alone for an empty prefix), as pg_receivewal's names in a directory.
 */
public record S3Location(String bucket, String prefix) {

    public static final String SCHEME = "s3://";

    public S3Location {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("\"" + bucket + "\" is not an S3 bucket name (3-63 characters: "
                    + "lower-case letters, digits, dots and hyphens)");
        }
        if (prefix == null || prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("//")) {
            throw new IllegalArgumentException("\"" + prefix + "\" is not a key prefix (no leading, trailing or"
                    + " double slash)");
        }
    }

    /** True for a value that names object storage rather than a directory. */
    public static boolean isS3(String value) {
        return value.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
    }

    /**
     * Reads {@code s3://BUCKET[/PREFIX][/]}.
     *
     * @throws IllegalArgumentException when it is not such a location
     */
    public static S3Location parse(String value) {
        if (!isS3(value)) {
            throw new IllegalArgumentException("\"" + value + "\" is not an s3://BUCKET/PREFIX location");
        }
        String rest = value.substring(SCHEME.length());
        while (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        int slash = rest.indexOf('/');
        return slash < 0 ? new S3Location(rest, "") : new S3Location(rest.substring(0, slash), rest.substring(slash + 1));
    }

    /** The object key of an archive file. */
    public String key(String name) {
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** What the keys of this archive's files begin with. */
    public String keyPrefix() {
        return prefix.isEmpty() ? "" : prefix + "/";
    }

    @Override
    public String toString() {
        return SCHEME + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}
