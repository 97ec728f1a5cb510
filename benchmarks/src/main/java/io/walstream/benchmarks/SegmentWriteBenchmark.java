package io.walstream.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.bytes.MappedBytes;
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
 * How the archiver should write received WAL into segment files: what it does now (pwrite from
 * Netty's pooled direct receive buffer through {@code FileChannel}), against Chronicle Bytes'
 * {@code MappedBytes} over the segment file, and the JDK's own {@code MappedByteBuffer} as a
 * control. Each operation writes a whole 16 MB segment in XLogData-sized chunks (walsender sends
 * at most 128 kB per message, 8 kB when nearly caught up); {@code sync} adds what completing a
 * segment costs (fdatasync, or msync of the mapping). Run:
 * {@code java -cp ... org.openjdk.jmh.Main SegmentWriteBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"})
@State(Scope.Thread)
public class SegmentWriteBenchmark {

    static final int SEGMENT = 16 << 20;
    /** Chunks per segment at the largest chunk size; operations are counted per 128 kB written. */
    static final int OPS = SEGMENT / (128 << 10);

    @Param({"8192", "131072"})
    int chunk;

    @Param({"false", "true"})
    boolean sync;

    private Path dir;
    private ByteBuf receiveBuffer;
    private ByteBuffer receiveNio;
    private FileChannel channel;
    private MappedBytes chronicle;
    private FileChannel mappedChannel;
    private MappedByteBuffer jdkMapped;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
                "segwrite");
        receiveBuffer = PooledByteBufAllocator.DEFAULT.directBuffer(chunk, chunk);
        byte[] wal = new byte[chunk];
        new Random(42).nextBytes(wal);
        receiveBuffer.writeBytes(wal);
        receiveNio = receiveBuffer.nioBuffer(0, chunk);

        Path pwrite = dir.resolve("pwrite");
        channel = FileChannel.open(pwrite, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel.write(ByteBuffer.allocate(1), SEGMENT - 1L); // sized sparse at once, as SegmentFile does

        chronicle = MappedBytes.mappedBytes(dir.resolve("chronicle").toFile(), SEGMENT, 0);

        mappedChannel = FileChannel.open(dir.resolve("jdk"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        jdkMapped = mappedChannel.map(FileChannel.MapMode.READ_WRITE, 0, SEGMENT);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        receiveBuffer.release();
        channel.close();
        chronicle.releaseLast();
        mappedChannel.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long fileChannelPwrite() throws IOException {
        long written = 0;
        for (int pos = 0; pos < SEGMENT; pos += chunk) {
            int done = 0;
            while (done < chunk) {
                done += receiveBuffer.getBytes(done, channel, pos + done, chunk - done);
            }
            written += done;
        }
        if (sync) {
            channel.force(false);
        }
        return written;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long chronicleMappedBytes() {
        long written = 0;
        for (int pos = 0; pos < SEGMENT; pos += chunk) {
            chronicle.write(pos, receiveNio, 0, chunk);
            written += chunk;
        }
        if (sync) {
            chronicle.sync();
        }
        return written;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long jdkMappedByteBuffer() {
        long written = 0;
        for (int pos = 0; pos < SEGMENT; pos += chunk) {
            jdkMapped.put(pos, receiveNio, 0, chunk);
            written += chunk;
        }
        if (sync) {
            jdkMapped.force();
        }
        return written;
    }
}
