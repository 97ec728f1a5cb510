package io.walstream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.walreceiver.StreamControl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the Flusher's decisions reach the stream. Synchronous: every message of a socket read is
 * written, the end of the read is one fsync, and the new flush position is the answer to
 * onReadComplete (the walreceiver sends it), not a sendStatusNow call back. The ring's flusher, on
 * a thread of its own, asks the stream.
 */
final class ArchiveSinkTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
    private static final long START = SIZE.bytes();
    private static final int MESSAGE = 8192;

    @TempDir
    Path dir;

    @Test
    void synchronousReadIsOneFsyncAndItsFlushIsTheAnswerToReadComplete() {
        CountingStream stream = new CountingStream();
        try (ArchivePipeline p = pipeline(FsyncPolicy.synchronous())) {
            p.startAt(1, Lsn.of(START));
            p.sink().attach(stream);
            long fsyncsBefore = p.fsyncs();
            for (int i = 0; i < 3; i++) {
                assertThat(p.sink().onWal(wal(START + (long) i * MESSAGE))).isTrue();
            }
            assertThat(p.flushedLsn()).as("not durable before the read ends").isEqualTo(START);
            assertThat(p.sink().onReadComplete()).as("durable: tell the server").isTrue();
            assertThat(p.fsyncs() - fsyncsBefore).as("one fsync for the read").isEqualTo(1);
            assertThat(p.sink().flushedLsn()).isEqualTo(START + 3 * MESSAGE);
            assertThat(stream.statusRequests).as("no call back into the stream").hasValue(0);

            assertThat(p.sink().onReadComplete()).as("a read without WAL: nothing to report").isFalse();
            assertThat(p.fsyncs() - fsyncsBefore).isEqualTo(1);

            p.sink().onWal(wal(START + 3 * MESSAGE));
            p.flush(); // a control step from another thread than the read's: reported through the stream
            assertThat(stream.statusRequests).hasValue(1);
            assertThat(p.sink().onReadComplete()).as("already durable by the flush").isFalse();
            p.sink().attach(null);
        }
    }

    @Test
    void ringFlusherAsksTheStreamAndReadCompleteReportsNothing() throws Exception {
        CountingStream stream = new CountingStream();
        try (ArchivePipeline p = pipeline(FsyncPolicy.interval(java.time.Duration.ZERO))) {
            p.startAt(1, Lsn.of(START));
            p.sink().attach(stream);
            p.sink().onWal(wal(START));
            assertThat(p.sink().onReadComplete()).isFalse();
            p.flush();
            assertThat(p.flushedLsn()).isEqualTo(START + MESSAGE);
            assertThat(stream.statusRequests.get()).isPositive();
            p.sink().attach(null);
        }
    }

    /**
     * The writer and the verifier release a message's buffer, not the flusher: while it waits in an fsync (a segment
     * completed), the bytes received after it are done with and no longer count against the socket's back-pressure.
     */
    @Test
    void buffersAreReleasedWhileTheFlusherIsInAnFsync() throws Exception {
        CountDownLatch inFsync = new CountDownLatch(1);
        CountDownLatch fsyncMayEnd = new CountDownLatch(1);
        ArchiveDirectory archive = ArchiveDirectory.create(dir);
        ArchivePipeline.Settings settings = ArchivePipeline.Settings.defaults().withFsyncDurations(nanos -> {
            inFsync.countDown();
            try {
                fsyncMayEnd.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (ArchivePipeline p = new ArchivePipeline(archive, SIZE, settings)) {
            try {
                releasedDuringTheFsync(p, inFsync, fsyncMayEnd);
            } finally {
                fsyncMayEnd.countDown(); // before close, which waits for the flusher
            }
        }
    }

    private static void releasedDuringTheFsync(ArchivePipeline p, CountDownLatch inFsync, CountDownLatch fsyncMayEnd)
            throws Exception {
        p.startAt(1, Lsn.of(START));
        p.sink().attach(new CountingStream());
        long at = START;
        for (; at < START + SIZE.bytes(); at += MESSAGE) {
            p.sink().onWal(wal(at)); // segment 1, whole: the flusher fsyncs it
        }
        assertThat(inFsync.await(30, TimeUnit.SECONDS)).as("the flusher is in the segment's fsync").isTrue();
        List<io.netty.buffer.ByteBuf> after = new ArrayList<>();
        for (int i = 0; i < 4; i++, at += MESSAGE) {
            XLogData m = wal(at);
            after.add(m.content());
            p.sink().onWal(m);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((p.sink().bytesInFlight() > 0 || after.stream().anyMatch(b -> b.refCnt() > 0))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(after).as("released by the writer and the verifier").allMatch(b -> b.refCnt() == 0);
        assertThat(p.sink().bytesInFlight()).isZero();
        assertThat(p.flushedLsn()).as("the fsync has not ended").isLessThanOrEqualTo(START + SIZE.bytes());
        fsyncMayEnd.countDown();
        p.flush();
        assertThat(p.flushedLsn()).isEqualTo(at);
        p.sink().attach(null);
    }

    private ArchivePipeline pipeline(FsyncPolicy policy) {
        ArchiveDirectory archive = ArchiveDirectory.create(dir);
        return new ArchivePipeline(archive, SIZE, ArchivePipeline.Settings.defaults().withFsync(policy));
    }

    private static XLogData wal(long start) {
        return new XLogData(start, start + MESSAGE, 0, Unpooled.buffer(MESSAGE).writeZero(MESSAGE));
    }

    private static final class CountingStream implements StreamControl {
        final AtomicInteger statusRequests = new AtomicInteger();

        @Override
        public void resumeReading() {
        }

        @Override
        public void sendStatusNow() {
            statusRequests.incrementAndGet();
        }

        @Override
        public void stop() {
        }
    }
}
