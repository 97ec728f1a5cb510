package io.walstream.archiver.metrics;

/**
 * A point-in-time view of a running {@link io.walstream.archiver.receive.ArchiveReceiver} for monitoring
 * ({@link ArchiveMetrics}, progress lines). Positions are raw LSN values, 0 when unknown. Fsync times are not in it:
 * they go to {@link ArchiveMetrics}' timer as they happen.
 *
 * @param receivedLsn          end of the last WAL byte received from the server
 * @param writtenLsn           end of the last byte written to a segment file
 * @param flushedLsn           end of the last byte that is durable (what the server is told is flushed)
 * @param verifiedLsn          end of the last record whose CRC matched; 0 when verification is off
 * @param serverWalEnd         the highest end of WAL the server reported in XLogData or keepalive headers
 * @param lagBytes             {@code serverWalEnd - flushedLsn}, never negative; 0 before the server reported
 * @param lagSeconds           how long ago the server sent the WAL that is now durable, while behind; 0 when caught
 *                             up, NaN when behind and nothing was made durable yet in this run. Uses the server's clock
 *                             against ours, so clock skew adds to it
 * @param receivedBytes        WAL bytes received in this run
 * @param segmentsCompleted    segments completed (fsynced and renamed) in this run
 * @param fsyncs               flushes that fsynced
 * @param timeline             the timeline being streamed, 0 when not streaming
 * @param streaming            whether a replication stream is open now
 * @param reconnects           connection attempts after the first one
 * @param ringOccupancy        ring slots holding WAL not yet released by the flusher
 * @param ringCapacity         ring slots in all
 * @param bytesInFlight        received bytes the writer or the verifier has not finished with
 * @param verificationFailures WAL chunks the record verifier rejected
 * @param storage              disk-full and spool-full state, and compression
 * @param store                the object store with {@code --archive}, else null
 */
public record ReceiverMetrics(long receivedLsn, long writtenLsn, long flushedLsn, long verifiedLsn, long serverWalEnd,
        long lagBytes, double lagSeconds, long receivedBytes, long segmentsCompleted, long fsyncs, int timeline,
        boolean streaming, long reconnects, long ringOccupancy, long ringCapacity, long bytesInFlight,
        long verificationFailures, Storage storage, Store store) {

    /** Without an object store ({@code receive} without {@code --archive}). */
    public ReceiverMetrics(long receivedLsn, long writtenLsn, long flushedLsn, long verifiedLsn, long serverWalEnd,
            long lagBytes, double lagSeconds, long receivedBytes, long segmentsCompleted, long fsyncs, int timeline,
            boolean streaming, long reconnects, long ringOccupancy, long ringCapacity, long bytesInFlight,
            long verificationFailures, Storage storage) {
        this(receivedLsn, writtenLsn, flushedLsn, verifiedLsn, serverWalEnd, lagBytes, lagSeconds, receivedBytes,
                segmentsCompleted, fsyncs, timeline, streaming, reconnects, ringOccupancy, ringCapacity, bytesInFlight,
                verificationFailures, storage, null);
    }

    /** These metrics and the object store's ({@code --archive}). */
    public ReceiverMetrics withStore(Store s) {
        return new ReceiverMetrics(receivedLsn, writtenLsn, flushedLsn, verifiedLsn, serverWalEnd, lagBytes, lagSeconds,
                receivedBytes, segmentsCompleted, fsyncs, timeline, streaming, reconnects, ringOccupancy, ringCapacity,
                bytesInFlight, verificationFailures, storage, s);
    }

    /**
     * The object store a receiver uploads its spool into ({@code --archive}).
     *
     * @param archivedLsn    everything the spool has before this is in the store (0: nothing received yet)
     * @param lagBytes       the flushed position minus {@code archivedLsn}
     * @param lagSeconds     how long ago the oldest WAL the store lacks was flushed (0 when it has all; NaN when
     *                       the spool cannot be read)
     * @param uploadedFiles  files uploaded in this run
     * @param uploadedBytes  bytes uploaded in this run
     * @param uploadsStopped uploading stopped for good (a conflict, a refusal)
     */
    public record Store(long archivedLsn, long lagBytes, double lagSeconds, long uploadedFiles, long uploadedBytes,
            boolean uploadsStopped) {
    }

    /**
     * @param diskFull            writing waits for space now (receiving is paused, the connection kept)
     * @param diskFullEvents      times the disk filled up in this run
     * @param segmentsCompressed  segments compressed in this run
     * @param compressionFailures segments left uncompressed because compressing them failed
     * @param compressionPending  completed segments waiting to be compressed
     * @param spoolFull           receiving waits for uploads now: the spool holds more than {@code --spool-max}
     * @param spoolFullEvents     times the spool limit paused receiving in this run
     */
    public record Storage(boolean diskFull, long diskFullEvents, long segmentsCompressed, long compressionFailures,
            long compressionPending, boolean spoolFull, long spoolFullEvents) {
        public static final Storage NONE = new Storage(false, 0, 0, 0, 0, false, 0);
    }
}
