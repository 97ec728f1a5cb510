package io.walstream.archiver.metrics;

import java.math.BigDecimal;

/**
 * {@link ReceiverMetrics} in the Prometheus text exposition format 0.0.4: {@code # HELP} and
 * {@code # TYPE} lines, {@code walstream_} names, {@code _total} counters, and the fsync
 * histogram as cumulative {@code _bucket{le="..."}} lines plus {@code _sum} and {@code _count}.
 */
public final class PrometheusText {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusText() {
    }

    public static String format(ReceiverMetrics m) {
        StringBuilder sb = new StringBuilder(4096);
        gauge(sb, "walstream_received_lsn", "End of the last WAL byte received from the server, as a byte position.",
                m.receivedLsn());
        gauge(sb, "walstream_written_lsn", "End of the last WAL byte written to a segment file.", m.writtenLsn());
        gauge(sb, "walstream_flushed_lsn", "End of the last WAL byte that is durable (fsynced) and reported flushed.",
                m.flushedLsn());
        gauge(sb, "walstream_verified_lsn", "End of the last WAL record whose CRC matched (0: verification off).",
                m.verifiedLsn());
        gauge(sb, "walstream_server_wal_end_lsn", "Highest end of WAL the server reported.", m.serverWalEnd());
        gauge(sb, "walstream_lag_bytes", "Server's end of WAL minus the flushed position.", m.lagBytes());
        gauge(sb, "walstream_lag_seconds", "How long ago the server sent the WAL now durable, while behind (0 when"
                + " caught up; includes clock skew).", m.lagSeconds());
        counter(sb, "walstream_received_bytes_total", "WAL bytes received.", m.receivedBytes());
        counter(sb, "walstream_segments_completed_total", "Segments completed: fsynced and renamed from .partial.",
                m.segmentsCompleted());
        counter(sb, "walstream_fsyncs_total", "Flushes that fsynced written WAL.", m.fsyncs());
        histogram(sb, "walstream_fsync_duration_seconds", "Time per flush to make written WAL durable (file and"
                + " directory fsyncs).", m.fsyncLatency());
        counter(sb, "walstream_reconnects_total", "Connection attempts after the first one.", m.reconnects());
        gauge(sb, "walstream_ring_occupancy", "Ring slots holding WAL not yet released by the flusher.",
                m.ringOccupancy());
        gauge(sb, "walstream_ring_capacity", "Ring slots in all.", m.ringCapacity());
        gauge(sb, "walstream_bytes_in_flight", "Received WAL bytes not yet released by the flusher.",
                m.bytesInFlight());
        counter(sb, "walstream_verification_failures_total", "WAL chunks that failed page header or record CRC checks.",
                m.verificationFailures());
        gauge(sb, "walstream_timeline", "Timeline being streamed (0: not streaming).", m.timeline());
        gauge(sb, "walstream_streaming", "1 while a replication stream is open.", m.streaming() ? 1 : 0);
        ReceiverMetrics.Storage st = m.storage();
        gauge(sb, "walstream_disk_full", "1 while writing waits for disk space (receiving paused, connection kept).",
                st.diskFull() ? 1 : 0);
        counter(sb, "walstream_disk_full_events_total", "Times the disk filled up.", st.diskFullEvents());
        counter(sb, "walstream_segments_compressed_total", "Completed segments compressed.", st.segmentsCompressed());
        counter(sb, "walstream_compression_failures_total", "Segments left uncompressed because compressing failed.",
                st.compressionFailures());
        gauge(sb, "walstream_compression_pending", "Completed segments waiting to be compressed.",
                st.compressionPending());
        gauge(sb, "walstream_spool_full", "1 while receiving waits for uploads: the spool holds more than --spool-max"
                + " not yet uploaded (connection kept, the slot keeps the WAL).", st.spoolFull() ? 1 : 0);
        counter(sb, "walstream_spool_full_events_total", "Times --spool-max paused receiving.", st.spoolFullEvents());
        ReceiverMetrics.Store store = m.store();
        if (store != null) {
            gauge(sb, "walstream_store_archived_lsn", "Everything the spool has before this WAL position is in the"
                    + " object store.", store.archivedLsn());
            gauge(sb, "walstream_store_lag_bytes", "Flushed position minus the object store's archived position.",
                    store.lagBytes());
            gauge(sb, "walstream_store_lag_seconds", "How long ago the oldest WAL the object store lacks was flushed"
                    + " (0 when it has all).", store.lagSeconds());
            counter(sb, "walstream_store_uploaded_files_total", "Files uploaded to the object store.",
                    store.uploadedFiles());
            counter(sb, "walstream_store_uploaded_bytes_total", "Bytes uploaded to the object store.",
                    store.uploadedBytes());
            gauge(sb, "walstream_store_uploads_stopped", "1 when uploading stopped for good (a conflict or a"
                    + " refusal; receive exits).", store.uploadsStopped() ? 1 : 0);
        }
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String help, String type) {
        sb.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long value) {
        header(sb, name, help, "gauge");
        sb.append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, double value) {
        header(sb, name, help, "gauge");
        sb.append(name).append(' ').append(number(value)).append('\n');
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        header(sb, name, help, "counter");
        sb.append(name).append(' ').append(value).append('\n');
    }

    private static void histogram(StringBuilder sb, String name, String help, LatencyHistogram.Snapshot h) {
        header(sb, name, help, "histogram");
        double[] bounds = h.upperBoundsSeconds();
        long[] cumulative = h.cumulativeCounts();
        for (int i = 0; i < bounds.length; i++) {
            sb.append(name).append("_bucket{le=\"").append(number(bounds[i])).append("\"} ").append(cumulative[i])
                    .append('\n');
        }
        sb.append(name).append("_bucket{le=\"+Inf\"} ").append(h.count()).append('\n');
        sb.append(name).append("_sum ").append(number(h.sumSeconds())).append('\n');
        sb.append(name).append("_count ").append(h.count()).append('\n');
    }

    /** Plain decimal ("0.00025", not "2.5E-4"), and the format's spellings of the special values. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
