package io.walstream.store.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.CRC32C;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A file's size, CRC32C (kept in the object's metadata and sent for the store to check) and, for stores that refuse
 * CRC32C headers, MD5 (Content-MD5; null when not computed: ~25 ms of CPU per 16 MB that stores taking CRC32C do not
 * need), from one read.
 */
record ObjectDigest(long size, int crc32c, byte[] md5) {

    static final ObjectDigest EMPTY = new ObjectDigest(0, 0, new byte[0]);

    static ObjectDigest of(Path file) throws IOException {
        return of(file, true);
    }

    static ObjectDigest of(Path file, boolean withMd5) throws IOException {
        CRC32C crc = new CRC32C();
        MessageDigest md5 = null;
        if (withMd5) {
            try {
                md5 = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has MD5", e);
            }
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long size = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                size += buf.remaining();
                crc.update(md5 == null ? buf : buf.duplicate());
                if (md5 != null) {
                    md5.update(buf);
                }
                buf.clear();
            }
        }
        return new ObjectDigest(size, (int) crc.getValue(), md5 == null ? null : md5.digest());
    }

    /** This digest with the MD5 too: read again when it was computed without. */
    ObjectDigest withMd5(Path file) throws IOException {
        return md5 != null ? this : of(file, true);
    }

    String crc32cHex() {
        return String.format("%08x", crc32c);
    }

    String crc32cBase64() {
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt(crc32c).array());
    }

    String md5Base64() {
        if (md5 == null) {
            throw new IllegalStateException("the MD5 was not computed");
        }
        return Base64.getEncoder().encodeToString(md5);
    }

    /** The stored object has this size and this CRC32C in its metadata. */
    boolean matches(HeadObjectResponse stored) {
        return stored.contentLength() != null && stored.contentLength() == size
                && crc32cHex().equals(stored.metadata().get(S3WalStore.CRC32C_METADATA));
    }
}
