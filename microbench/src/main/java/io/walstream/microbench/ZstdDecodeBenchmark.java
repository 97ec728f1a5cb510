package io.walstream.microbench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdOutputStream;
import io.walstream.archiver.store.SegmentFiles;
import io.walstream.protocol.WalFileName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decompressing one 16 MiB WAL segment stored as zstd (the archiver's {@code --compress zstd}, level 3, one streamed
 * frame without a content size), as {@code walstream serve} does for every {@code .zst} it answers: through
 * {@link SegmentFiles}' {@code ZstdInputStream} in one read into a new segment-size array (serve's path), or in one
 * JNI call on the whole compressed file ({@code ZSTD_decompressDCtx}) into a new array, a reused array, or a reused
 * direct buffer (what Netty could send without copying).
 *
 * <p>{@code wal}: {@code synthetic} (the {@code mixed} segment of {@link SyntheticWalSegments}) or the path of a real
 * 16 MiB segment. Score: one operation is 1 MiB ({@code @OperationsPerInvocation(16)}), so ops/s is MiB/s of plain
 * WAL.
 *
 * <p>On a loaded machine JMH's error bars swallow the differences; {@link #main} runs the same methods interleaved
 * (each once per repetition, in a shuffled order) and reports thread CPU time as well as wall time per segment.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ZstdDecodeBenchmark {

    @Param({"synthetic"})
    String wal;

    private byte[] frame;
    private byte[] reused;
    private ByteBuffer direct;
    private ByteBuffer directFrame;
    private ZstdDecompressCtx ctx;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        byte[] plain = wal.equals("synthetic") ? SyntheticWalSegments.build("mixed", 5, 1).bytes
                : Files.readAllBytes(Path.of(wal));
        if (plain.length != SyntheticWalSegments.SEGMENT) {
            throw new IllegalStateException(wal + ": " + plain.length + " bytes, not a 16 MiB segment");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream zstd = new ZstdOutputStream(out, 3)) { // as SegmentCompressor writes it
            zstd.write(plain);
        }
        frame = out.toByteArray();
        reused = new byte[plain.length];
        direct = ByteBuffer.allocateDirect(plain.length);
        directFrame = ByteBuffer.allocateDirect(frame.length).put(frame).flip();
        ctx = new ZstdDecompressCtx();
        // Every way must give back the segment, or the benchmark measures nothing.
        if (!Arrays.equals(stream(), plain) || !Arrays.equals(oneShot(), plain)) {
            throw new IllegalStateException("zstd did not round-trip " + wal);
        }
        oneShotDirectReused();
        byte[] fromDirect = new byte[plain.length];
        direct.get(0, fromDirect);
        if (!Arrays.equals(fromDirect, plain)) {
            throw new IllegalStateException("zstd into a direct buffer did not round-trip " + wal);
        }
        System.out.printf("%n%s: 16 MiB -> %d bytes (%.1f %%), frame content size %d%n", wal, frame.length,
                100.0 * frame.length / plain.length, Zstd.getFrameContentSize(frame));
    }

    /** {@code ZstdDecodeBenchmark WAL REPETITIONS}: the interleaved run; the first fifth is a warm-up. */
    public static void main(String[] args) throws Exception {
        ZstdDecodeBenchmark b = new ZstdDecodeBenchmark();
        b.wal = args[0];
        int repetitions = Integer.parseInt(args[1]);
        b.setUp();
        Map<String, Callable<Object>> ways = new LinkedHashMap<>();
        ways.put("stream (serve before)", b::stream);
        ways.put("oneShot (serve now)", b::oneShot);
        ways.put("oneShotReused", b::oneShotReused);
        ways.put("oneShotDirectReused", b::oneShotDirectReused);
        Map<String, List<Double>> wall = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<String> order = new ArrayList<>(ways.keySet());
        Random random = new Random(1);
        for (int i = 0; i < repetitions; i++) {
            Collections.shuffle(order, random);
            for (String way : order) {
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                ways.get(way).call();
                long t1 = System.nanoTime();
                long c1 = threads.getCurrentThreadCpuTime();
                if (i >= repetitions / 5) {
                    wall.computeIfAbsent(way, k -> new ArrayList<>()).add((t1 - t0) / 1e6);
                    cpu.computeIfAbsent(way, k -> new ArrayList<>()).add((c1 - c0) / 1e6);
                }
            }
        }
        b.tearDown();
        System.out.printf("%-24s %9s %9s %9s %9s   (ms per 16 MiB segment, %d repetitions)%n", "way", "wall min",
                "wall med", "cpu min", "cpu med", repetitions - repetitions / 5);
        for (String way : ways.keySet()) {
            System.out.printf(Locale.ROOT, "%-24s %9.2f %9.2f %9.2f %9.2f%n", way, Collections.min(wall.get(way)),
                    median(wall.get(way)), Collections.min(cpu.get(way)), median(cpu.get(way)));
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ctx.close();
    }

    /** serve's path: a ZstdInputStream over the stored bytes, one readNBytes into a new segment-size array. */
    @Benchmark
    @OperationsPerInvocation(16)
    public byte[] stream() throws IOException {
        byte[] whole = new byte[SyntheticWalSegments.SEGMENT];
        try (InputStream in = SegmentFiles.decompress(new ByteArrayInputStream(frame), WalFileName.Compression.ZSTD)) {
            in.readNBytes(whole, 0, whole.length);
        }
        return whole;
    }

    /** The whole frame in one call into a new array (a new context each call, as Zstd.decompressByteArray makes). */
    @Benchmark
    @OperationsPerInvocation(16)
    public byte[] oneShot() {
        byte[] whole = new byte[SyntheticWalSegments.SEGMENT];
        long n = Zstd.decompressByteArray(whole, 0, whole.length, frame, 0, frame.length);
        if (Zstd.isError(n)) {
            throw new IllegalStateException(Zstd.getErrorName(n));
        }
        return whole;
    }

    /** The same into a reused array with a reused context: the decoder alone, without the 16 MiB allocation. */
    @Benchmark
    @OperationsPerInvocation(16)
    public int oneShotReused() {
        return ctx.decompressByteArray(reused, 0, reused.length, frame, 0, frame.length);
    }

    /** Direct buffers both sides, reused. */
    @Benchmark
    @OperationsPerInvocation(16)
    public int oneShotDirectReused() {
        return ctx.decompressDirectByteBuffer(direct, 0, direct.capacity(), directFrame, 0, directFrame.limit());
    }
}
