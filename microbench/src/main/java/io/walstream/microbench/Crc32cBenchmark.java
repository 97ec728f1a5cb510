package io.walstream.microbench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.walstream.protocol.wal.SyntheticWal;
import io.walstream.protocol.wal.WalStreamVerifier;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
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
 * Record CRC-32C verification as the archiver's RecordVerifier does it ({@link WalStreamVerifier}: page headers,
 * record headers, prev-links and the CRC of every record), over one 16 MiB segment of valid WAL per invocation; and a
 * bare {@link CRC32C} over the same 16 MiB, heap and direct, for reference.
 *
 * <p>Score: one operation is 1 MiB ({@code @OperationsPerInvocation(16)}), so ops/s is MiB/s; GB/s = ops/s ×
 * 1.048576 / 1000.
 *
 * <p>{@code verifyByteBuf} is the archiver's path ({@code accept(ByteBuf)}, what {@code ReceivedWalVerifier.records}
 * calls with each XLogData); {@code verifyByteBuffer} hands the verifier an NIO view ({@code accept(ByteBuffer)}).
 * {@code records}: {@code small} (20..200 bytes of data each), {@code mixed}, {@code fpi} (8 kB each), see
 * {@link SyntheticWalSegments}. {@code memory}: where the segment is, heap or direct (the receive buffers are direct).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"})
@State(Scope.Thread)
public class Crc32cBenchmark {

    static final int MIB_PER_SEGMENT = SyntheticWalSegments.SEGMENT >> 20;

    @Param({"direct", "heap"})
    String memory;

    /** The WAL and the verifier; only the verification benchmarks use it, so only they take {@code records}. */
    @State(Scope.Thread)
    public static class Wal {
        @Param({"small", "mixed", "fpi"})
        String records;

        ByteBuf segment;
        ByteBuffer nio;
        long start;
        WalStreamVerifier verifier;

        @Setup(Level.Trial)
        public void setUp(Crc32cBenchmark bench) {
            SyntheticWal wal = SyntheticWalSegments.build(records, 5, 1);
            start = wal.base;
            segment = bench.buffer(wal.bytes);
            nio = segment.nioBuffer(0, segment.readableBytes());
            verifier = new WalStreamVerifier(SyntheticWalSegments.SIZE, SyntheticWalSegments.TIMELINE,
                    SyntheticWalSegments.SYSID, SyntheticWalSegments.MAJOR);
            verifier.accept(segment, start);
            if (verifier.recordsVerified() == 0 || verifier.position() != wal.end()) {
                throw new IllegalStateException("synthetic WAL did not verify: " + verifier);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            segment.release();
        }
    }

    private ByteBuf raw;
    private ByteBuffer rawNio;
    private final CRC32C crc = new CRC32C();

    ByteBuf buffer(byte[] bytes) {
        ByteBuf b = memory.equals("direct") ? ByteBufAllocator.DEFAULT.directBuffer(bytes.length)
                : ByteBufAllocator.DEFAULT.heapBuffer(bytes.length);
        return b.writeBytes(bytes);
    }

    @Setup(Level.Trial)
    public void setUp() {
        raw = buffer(SyntheticWalSegments.build("fpi", 5, 1).bytes);
        rawNio = raw.nioBuffer(0, raw.readableBytes());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        raw.release();
    }

    @Benchmark
    @OperationsPerInvocation(MIB_PER_SEGMENT)
    public long verifyByteBuf(Wal wal) {
        wal.verifier.reset(wal.start, SyntheticWalSegments.TIMELINE);
        wal.verifier.accept(wal.segment, wal.start);
        return wal.verifier.verifiedEnd();
    }

    @Benchmark
    @OperationsPerInvocation(MIB_PER_SEGMENT)
    public long verifyByteBuffer(Wal wal) {
        wal.verifier.reset(wal.start, SyntheticWalSegments.TIMELINE);
        wal.verifier.accept(wal.nio, wal.start);
        return wal.verifier.verifiedEnd();
    }

    /** java.util.zip.CRC32C over the whole 16 MiB in one call: the ceiling. */
    @Benchmark
    @OperationsPerInvocation(MIB_PER_SEGMENT)
    public long crc32c() {
        crc.reset();
        rawNio.clear();
        crc.update(rawNio);
        return crc.getValue();
    }
}
