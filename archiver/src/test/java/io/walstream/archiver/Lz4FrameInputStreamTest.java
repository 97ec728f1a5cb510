package io.walstream.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Lz4FrameInputStream}: frames with linked blocks as liblz4 (and so pg_receivewal) writes
 * them, made by {@code lz4 -B4 -BD [-BX --content-size]} from a 400000-byte input; frames as
 * lz4-java writes them; and damaged frames.
 */
class Lz4FrameInputStreamTest {

    private static final String LINKED_INPUT_SHA256 = "3f5141ad0549e47533d79d53c45d68c41098eb33e541d7728350e7dca7c06afb";

    @ParameterizedTest
    @ValueSource(strings = {"linked-blocks.lz4", "linked-no-checksums.lz4"})
    void readsLinkedBlocksAsLiblz4WritesThem(String fixture) throws Exception {
        byte[] plain = decode(resource(fixture));
        assertThat(plain).hasSize(400_000);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(plain)))
                .isEqualTo(LINKED_INPUT_SHA256);
    }

    @Test
    void readsIndependentBlocksAsLz4JavaWritesThemAndConcatenatedFrames() throws Exception {
        byte[] a = walLike(3_000_000, 1);
        byte[] b = walLike(70_000, 2);
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.write(lz4Java(a));
        frames.write(new byte[] {0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 9, 9, 9}); // a skippable frame
        frames.write(lz4Java(b));
        byte[] plain = decode(frames.toByteArray());
        assertThat(plain).hasSize(a.length + b.length);
        assertThat(java.util.Arrays.copyOfRange(plain, 0, a.length)).isEqualTo(a);
        assertThat(java.util.Arrays.copyOfRange(plain, a.length, plain.length)).isEqualTo(b);
    }

    @Test
    void aFlippedByteIsAChecksumError() throws Exception {
        byte[] frame = resource("linked-blocks.lz4");
        frame[frame.length / 2] ^= 0x10;
        assertThatThrownBy(() -> decode(frame)).isInstanceOf(IOException.class).hasMessageContaining("malformed LZ4");
    }

    @Test
    void aTruncatedFrameIsAnError() throws Exception {
        byte[] frame = resource("linked-no-checksums.lz4");
        byte[] cut = java.util.Arrays.copyOf(frame, frame.length - 100);
        assertThatThrownBy(() -> decode(cut)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decode(new byte[] {1, 2, 3, 4, 5})).isInstanceOf(IOException.class)
                .hasMessageContaining("not an LZ4 frame");
    }

    @Test
    void garbageBlocksNeverReadOutsideTheWindow() throws Exception {
        byte[] frame = lz4Java(walLike(200_000, 3));
        Random random = new Random(11);
        for (int i = 0; i < 300; i++) {
            byte[] damaged = frame.clone();
            for (int j = 0; j < 4; j++) {
                damaged[7 + random.nextInt(damaged.length - 7)] = (byte) random.nextInt();
            }
            try {
                decode(damaged);
            } catch (IOException expected) {
                // a clear error, not an ArrayIndexOutOfBoundsException
            }
        }
    }

    private static byte[] decode(byte[] frame) throws IOException {
        try (InputStream in = new Lz4FrameInputStream(new ByteArrayInputStream(frame))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[7919]; // not a block multiple: reads cross block edges
            int n;
            while ((n = in.read(buf)) != -1) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    private static byte[] lz4Java(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM)) {
            lz4.write(plain);
        }
        return out.toByteArray();
    }

    /** Compressible like WAL: repeated structures, some random bytes, runs of zeros. */
    private static byte[] walLike(int size, long seed) {
        Random random = new Random(seed);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i += 64) {
            int kind = random.nextInt(3);
            for (int j = i; j < Math.min(size, i + 64); j++) {
                b[j] = kind == 0 ? 0 : kind == 1 ? (byte) (j % 7) : (byte) random.nextInt();
            }
        }
        return b;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Lz4FrameInputStreamTest.class.getResourceAsStream("/lz4/" + name)) {
            return in.readAllBytes();
        }
    }
}
