package io.walstream.walreceiver;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.replication.NextTimeline;
import io.walstream.protocol.replication.TimelineHistoryFile;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps received WAL in memory, contiguous from the first byte; reports flush as configured. */
final class MemorySink implements WalSink {

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<String> switches = new CopyOnWriteArrayList<>();
    volatile long start = -1;
    volatile long written;
    /** When >= 0, the flush position reported regardless of what was received. */
    volatile long pinnedFlush = -1;
    /** How many more messages to accept before reporting "full". */
    volatile int acceptBeforeFull = Integer.MAX_VALUE;
    volatile Lsn restartOnSwitch;
    /** Answer each end of a read with "made durable", as a synchronous sink does after its fsync. */
    volatile boolean durableAtReadEnd;

    @Override
    public synchronized boolean onWal(XLogData data) {
        try {
            if (start < 0) {
                start = data.dataStart();
                written = start;
            }
            if (data.dataStart() != written) {
                // after a timeline switch we restart at the segment start: keep only the newest run
                bytes.reset();
                start = data.dataStart();
            }
            byte[] b = new byte[data.content().readableBytes()];
            data.content().getBytes(data.content().readerIndex(), b);
            bytes.write(b, 0, b.length);
            written = data.dataEnd();
            return --acceptBeforeFull > 0;
        } finally {
            data.release();
        }
    }

    @Override
    public boolean onReadComplete() {
        return durableAtReadEnd;
    }

    @Override
    public long writtenLsn() {
        return written;
    }

    @Override
    public long flushedLsn() {
        return pinnedFlush >= 0 ? pinnedFlush : written;
    }

    @Override
    public Lsn onTimelineSwitch(int endedTimeline, NextTimeline next, TimelineHistoryFile history) {
        switches.add(endedTimeline + "->" + next.timeline() + "@" + next.startPosition() + " " + history.fileName());
        return restartOnSwitch != null ? restartOnSwitch : next.startPosition();
    }

    synchronized byte[] range(long from, int length) {
        byte[] all = bytes.toByteArray();
        byte[] out = new byte[length];
        System.arraycopy(all, (int) (from - start), out, 0, length);
        return out;
    }

    void awaitWritten(long lsn, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (written < lsn) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("received only up to " + new Lsn(written) + ", expected " + new Lsn(lsn));
            }
            Thread.sleep(10);
        }
    }
}
