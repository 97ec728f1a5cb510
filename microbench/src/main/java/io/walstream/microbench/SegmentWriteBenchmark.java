package io.walstream.microbench;

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
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.SyncMode;
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
 * control. One operation is 128 kB of WAL; each invocation writes a whole new 16 MB segment file
 * in XLogData-sized chunks (walsender sends at most 128 kB per message, 8 kB when nearly caught
 * up), as the archiver does, then with {@code sync} makes it durable (fdatasync, or msync of the
 * mapping) and closes it. A new file each time matters: Chronicle's sync only covers bytes
 * past what it synced before, so rewriting one file would measure nothing. Run:
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
    /** Operations per invocation: one per 128 kB of the segment written. */
    static final int OPS = SEGMENT / (128 << 10);

    @Param({"8192", "131072"})
    int chunk;

    @Param({"false", "true"})
    boolean sync;

    private Path dir;
    private ByteBuf receiveBuffer;
    private ByteBuffer receiveNio;
    private long files;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))),
                "segwrite");
        receiveBuffer = PooledByteBufAllocator.DEFAULT.directBuffer(chunk, chunk);
        byte[] wal = new byte[chunk];
        new Random(42).nextBytes(wal);
        receiveBuffer.writeBytes(wal);
        receiveNio = receiveBuffer.nioBuffer(0, chunk);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        receiveBuffer.release();
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** A fresh segment file; the previous one is removed so the disk does not fill. */
    private Path nextFile() throws IOException {
        Files.deleteIfExists(dir.resolve(Long.toString(files - 1)));
        return dir.resolve(Long.toString(files++));
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long fileChannelPwrite() throws IOException {
        long written = 0;
        try (FileChannel channel = FileChannel.open(nextFile(), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(1), SEGMENT - 1L); // sized sparse at once, as SegmentFile does
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
        }
        return written;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long chronicleMappedBytes() throws IOException {
        long written = 0;
        MappedBytes chronicle = MappedBytes.mappedBytes(nextFile().toFile(), SEGMENT, 0);
        try {
            for (int pos = 0; pos < SEGMENT; pos += chunk) {
                chronicle.write(pos, receiveNio, 0, chunk);
                written += chunk;
            }
            if (sync) {
                // MappedBytes.sync() follows DEFAULT_SYNC_MODE, which does not msync: ask for it
                ((MappedBytesStore) chronicle.bytesStore()).syncUpTo(SEGMENT, SyncMode.SYNC);
            }
        } finally {
            chronicle.releaseLast();
        }
        return written;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long jdkMappedByteBuffer() throws IOException {
        long written = 0;
        try (FileChannel channel = FileChannel.open(nextFile(), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, SEGMENT);
            for (int pos = 0; pos < SEGMENT; pos += chunk) {
                mapped.put(pos, receiveNio, 0, chunk);
                written += chunk;
            }
            if (sync) {
                mapped.force();
            }
        } // the mapping itself goes when the buffer is collected: the JDK cannot unmap it earlier
        return written;
    }
}
