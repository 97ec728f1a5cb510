package io.walstream.archiver.receive;

import io.walstream.archiver.compress.SegmentCompression;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.protocol.Lsn;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.time.Duration;

/**
 * What {@code walstream receive} does; the flags mean what pg_receivewal's mean.
 *
 * @param connection     where to connect
 * @param slot           replication slot to stream from, or null
 * @param createSlot     create {@code slot} (with RESERVE_WAL) before streaming
 * @param ifNotExists    with createSlot: an existing slot is fine
 * @param fsync          when to fsync and so how far flush feedback goes
 * @param statusInterval how often status is sent besides after each fsync (pg_receivewal -s)
 * @param endLsn         stop once WAL up to here is durable, or null (pg_receivewal -E)
 * @param loop           reconnect after a lost connection or server shutdown (pg_receivewal without --no-loop)
 * @param retryInterval  wait before reconnecting
 * @param compression    how completed segments are compressed
 * @param verifyRecords  check page headers and record CRCs as WAL arrives (a defect stops the stream)
 * @param receiptLog     also log when each message arrived, in {@code receipts/} ({@link ReceiptLog})
 */
public record ReceiveOptions(ConnectionSettings connection, String slot, boolean createSlot, boolean ifNotExists,
        FsyncPolicy fsync, Duration statusInterval, Lsn endLsn, boolean loop, Duration retryInterval,
        SegmentCompression compression, boolean verifyRecords, boolean receiptLog) {

    public ReceiveOptions {
        if (connection == null || fsync == null || statusInterval == null || retryInterval == null
                || compression == null) {
            throw new IllegalArgumentException("connection, fsync, statusInterval, retryInterval and compression are required");
        }
        if (createSlot && slot == null) {
            throw new IllegalArgumentException("--create-slot needs --slot");
        }
    }

    public static ReceiveOptions of(ConnectionSettings connection) {
        return new ReceiveOptions(connection, null, false, false, FsyncPolicy.defaults(), Duration.ofSeconds(10), null,
                true, Duration.ofSeconds(5), SegmentCompression.NONE, true, false);
    }

    public ReceiveOptions withSlot(String name, boolean create, boolean ifMissingOnly) {
        return new ReceiveOptions(connection, name, create, ifMissingOnly, fsync, statusInterval, endLsn, loop,
                retryInterval, compression, verifyRecords, receiptLog);
    }

    public ReceiveOptions withFsync(FsyncPolicy policy) {
        return new ReceiveOptions(connection, slot, createSlot, ifNotExists, policy, statusInterval, endLsn, loop,
                retryInterval, compression, verifyRecords, receiptLog);
    }

    public ReceiveOptions withEndLsn(Lsn end) {
        return new ReceiveOptions(connection, slot, createSlot, ifNotExists, fsync, statusInterval, end, loop,
                retryInterval, compression, verifyRecords, receiptLog);
    }

    public ReceiveOptions withLoop(boolean reconnect, Duration retry) {
        return new ReceiveOptions(connection, slot, createSlot, ifNotExists, fsync, statusInterval, endLsn, reconnect,
                retry, compression, verifyRecords, receiptLog);
    }

    public ReceiveOptions withStatusInterval(Duration interval) {
        return new ReceiveOptions(connection, slot, createSlot, ifNotExists, fsync, interval, endLsn, loop,
                retryInterval, compression, verifyRecords, receiptLog);
    }

    public ReceiveOptions withCompression(SegmentCompression c) {
        return new ReceiveOptions(connection, slot, createSlot, ifNotExists, fsync, statusInterval, endLsn, loop,
                retryInterval, c, verifyRecords, receiptLog);
    }

    public ReceiveOptions withVerifyRecords(boolean verify) {
        return new ReceiveOptions(connection, slot, createSlot, ifNotExists, fsync, statusInterval, endLsn, loop,
                retryInterval, compression, verify, receiptLog);
    }

    public ReceiveOptions withReceiptLog(boolean on) {
        return new ReceiveOptions(connection, slot, createSlot, ifNotExists, fsync, statusInterval, endLsn, loop,
                retryInterval, compression, verifyRecords, on);
    }
}
