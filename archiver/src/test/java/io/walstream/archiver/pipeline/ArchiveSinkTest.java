package io.walstream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.walreceiver.StreamControl;
import java.nio.file.Path;
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
