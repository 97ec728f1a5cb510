package io.walstream.microbench;

import io.walstream.archiver.Lz4FrameInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decompressing one 16 MiB WAL segment stored as an LZ4 frame (what restore, verify and serve do with a {@code .lz4}):
 * walstream's own {@link Lz4FrameInputStream} against commons-compress's {@link FramedLZ4CompressorInputStream}.
 * (lz4-java's frame reader is not a candidate: it refuses linked blocks, so it cannot read pg_receivewal's files.)
 *
 * <p>{@code wal}: {@code synthetic} (the {@code mixed} segment of {@link SyntheticWalSegments}) or the path of a
 * real 16 MiB segment ({@code -p wal=/path/000000010000000000000004}). {@code blocks}: {@code independent} (64 kB
 * blocks, as the archiver's SegmentCompressor writes them through lz4-java) or {@code linked} (64 kB blocks that refer
 * back into the previous 64 kB, as pg_receivewal {@code --compress=lz4} writes them through liblz4; made here by the
 * {@code lz4} command, liblz4's own, which must be on the PATH: commons-compress's compressor took over 5 minutes on
 * one real segment). Reads go through a 64 kB buffer, as a restore copying the segment out does.
 *
 * <p>Score: one operation is 1 MiB ({@code @OperationsPerInvocation(16)}), so ops/s is MiB/s of plain WAL.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class Lz4DecodeBenchmark {

    @Param({"synthetic"})
    String wal;

    @Param({"independent", "linked"})
    String blocks;

    private byte[] frame;
    private final byte[] buffer = new byte[1 << 16];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        byte[] plain = wal.equals("synthetic") ? SyntheticWalSegments.build("mixed", 5, 1).bytes
                : Files.readAllBytes(Path.of(wal));
        if (plain.length != SyntheticWalSegments.SEGMENT) {
            throw new IllegalStateException(wal + ": " + plain.length + " bytes, not a 16 MiB segment");
        }
        frame = blocks.equals("linked") ? linkedByLiblz4(plain) : independent(plain);
        // Every decoder must give back the segment, or the benchmark measures nothing.
        for (InputStream decoder : new InputStream[] {new Lz4FrameInputStream(new ByteArrayInputStream(frame)),
                new FramedLZ4CompressorInputStream(new ByteArrayInputStream(frame), true)}) {
            if (!Arrays.equals(decoder.readAllBytes(), plain)) {
                throw new IllegalStateException(decoder.getClass().getSimpleName() + " did not round-trip " + wal);
            }
        }
        System.out.printf("%n%s, %s blocks: 16 MiB -> %d bytes (%.1f %%)%n", wal, blocks, frame.length,
                100.0 * frame.length / plain.length);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public long walstream() throws IOException {
        return drain(new Lz4FrameInputStream(new ByteArrayInputStream(frame)));
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public long commonsCompress() throws IOException {
        return drain(new FramedLZ4CompressorInputStream(new ByteArrayInputStream(frame), true));
    }

    private long drain(InputStream in) throws IOException {
        long total = 0;
        try (in) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                total += n;
            }
        }
        return total;
    }

    private static byte[] independent(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE)) {
            lz4.write(plain);
        }
        return out.toByteArray();
    }

    /** {@code lz4 -B4 -BD --no-frame-crc}: 64 kB linked blocks, no content checksum, as pg_receivewal writes. */
    private static byte[] linkedByLiblz4(byte[] plain) throws IOException {
        Path dir = Files.createTempDirectory("lz4-bench");
        Path in = dir.resolve("segment");
        Path out = dir.resolve("segment.lz4");
        try {
            Files.write(in, plain);
            Process lz4 = new ProcessBuilder("lz4", "-q", "-f", "-B4", "-BD", "--no-frame-crc", in.toString(),
                    out.toString()).inheritIO().start();
            if (lz4.waitFor() != 0) {
                throw new IOException("lz4 exited with " + lz4.exitValue());
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new IOException("linked blocks need the lz4 command (apt-get install lz4): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for lz4", e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(in);
            Files.delete(dir);
        }
    }
}
