package io.walstream.microbench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.walstream.archiver.pipeline.ArchivePipeline;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.verify.ReceivedWalVerifier;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.wal.SyntheticWal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole archive pipeline in memory: {@link io.walstream.archiver.pipeline.ArchiveSink#onWal} (what the walreceiver's I/O thread calls) into
 * the Disruptor ring, SegmentWriter ∥ RecordVerifier (page headers, record CRC-32C), then the Flusher, with fsync
 * policy {@code none} and segment files on tmpfs ({@code -Dbench.dir}, default {@code /dev/shm}). The WAL is valid
 * (four 16 MiB segments of the {@code mixed} record sizes of {@link SyntheticWalSegments}) and lies in one direct
 * buffer; each operation publishes one XLogData of {@code chunk} bytes of it (a retained slice, as the decoder makes),
 * and after the last segment the stream restarts at the first one ({@code startAt}, which waits for the ring to
 * drain: once per 64 MiB). Completed segments are deleted as the flusher announces them.
 *
 * <p>Back-pressure as in production: when {@code onWal} says stop (8 MiB in flight or the ring nearly full), the
 * publisher waits until the stages have drained half of it, parking 20 µs at a time as an idle event loop would.
 * The stages run on their own threads, so the score is the pipeline's steady-state rate.
 *
 * <p>Score: ns per message; MB/s = chunk / score × 1000. {@code -prof gc} counts every thread's allocation, so B/op
 * includes the stages, and the XLogData and slice made per message here (as the decoder does) and per-segment work
 * (opening, renaming and deleting a 16 MiB file) spread over the messages of a segment.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"})
@State(Scope.Thread)
public class PipelineBenchmark {

    static final int SEGMENTS = 4;
    static final long FIRST_SEGMENT = 8;

    @Param({"8192", "131072"})
    int chunk;

    private Path tmp;
    private ArchivePipeline pipeline;
    private ByteBuf wal;
    private long base;
    private int length;
    private int offset;
    private long maxInFlight;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        SyntheticWal synthetic = SyntheticWalSegments.build("mixed", FIRST_SEGMENT, SEGMENTS);
        base = synthetic.base;
        length = synthetic.bytes.length;
        wal = ByteBufAllocator.DEFAULT.directBuffer(length).writeBytes(synthetic.bytes);
        tmp = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/dev/shm")), "walstream-pipeline");
        ArchivePipeline.Settings defaults = ArchivePipeline.Settings.defaults();
        maxInFlight = defaults.maxBytesInFlight();
        ArchivePipeline.Settings settings = defaults.withFsync(FsyncPolicy.none())
                .withVerifier(ReceivedWalVerifier.records(SyntheticWalSegments.SIZE, SyntheticWalSegments.TIMELINE,
                        SyntheticWalSegments.SYSID, SyntheticWalSegments.MAJOR))
                .withOnSegment((name, file) -> delete(file));
        pipeline = new ArchivePipeline(ArchiveDirectory.create(tmp), SyntheticWalSegments.SIZE, settings);
        pipeline.startAt(SyntheticWalSegments.TIMELINE, Lsn.of(base));
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            pipeline.close();
            if (pipeline.failure().isCompletedExceptionally()) {
                pipeline.failure().join(); // throws the stage's failure: the WAL did not verify or write
            }
        } finally {
            wal.release();
            try (Stream<Path> files = Files.walk(tmp)) {
                files.sorted(Comparator.reverseOrder()).forEach(PipelineBenchmark::delete);
            }
        }
    }

    @Benchmark
    public long publish() {
        if (offset == length) {
            pipeline.startAt(SyntheticWalSegments.TIMELINE, Lsn.of(base)); // the same WAL again
            offset = 0;
        }
        long start = base + offset;
        XLogData data = new XLogData(start, start + chunk, 0, wal.retainedSlice(offset, chunk));
        offset += chunk;
        if (!pipeline.sink().onWal(data)) {
            // what ArchivePipeline's resumeReading would wake the event loop for
            while (pipeline.sink().bytesInFlight() >= maxInFlight / 2 && !pipeline.failure().isDone()) {
                LockSupport.parkNanos(20_000);
            }
        }
        return start;
    }
}
