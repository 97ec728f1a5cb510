package io.walstream.archiver.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The exposition text parses back, every family is declared before its samples, and histogram buckets accumulate. */
final class PrometheusTextTest {

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{le=\"([^\"]+)\"\\})? (\\S+)");

    /** Samples by name (with {@code {le="..."}} kept), after checking HELP and TYPE lines. */
    static Map<String, Double> parse(String text) {
        assertThat(text).endsWith("\n");
        Map<String, Double> samples = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        String helped = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                helped = line.split(" ")[2];
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                assertThat(parts[2]).as("TYPE right after its HELP").isEqualTo(helped);
                assertThat(parts[3]).isIn("counter", "gauge", "histogram");
                types.put(parts[2], parts[3]);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("sample line: %s", line).isTrue();
            String name = m.group(1);
            String family = name.replaceFirst("_(bucket|sum|count)$", "");
            String type = types.containsKey(name) ? types.get(name) : types.get(family);
            assertThat(type).as("declared type of %s", name).isNotNull();
            assertThat(name).startsWith("walstream_");
            if (type.equals("counter")) {
                assertThat(name).endsWith("_total");
            }
            String key = m.group(3) == null ? name : name + "{le=\"" + m.group(3) + "\"}";
            assertThat(samples.put(key, parseValue(m.group(4)))).as("duplicate %s", key).isNull();
        }
        return samples;
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
    }

    /** The histogram's (le, cumulative count) pairs in order, checked to ascend and end at +Inf == _count. */
    static List<double[]> buckets(Map<String, Double> samples, String histogram) {
        List<double[]> buckets = new ArrayList<>();
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            if (e.getKey().startsWith(histogram + "_bucket{le=\"")) {
                String le = e.getKey().substring(histogram.length() + 12, e.getKey().length() - 2);
                buckets.add(new double[] {parseValue(le), e.getValue()});
            }
        }
        assertThat(buckets).isNotEmpty();
        for (int i = 1; i < buckets.size(); i++) {
            assertThat(buckets.get(i)[0]).as("le ascends").isGreaterThan(buckets.get(i - 1)[0]);
            assertThat(buckets.get(i)[1]).as("cumulative").isGreaterThanOrEqualTo(buckets.get(i - 1)[1]);
        }
        assertThat(buckets.get(buckets.size() - 1)[0]).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(buckets.get(buckets.size() - 1)[1]).isEqualTo(samples.get(histogram + "_count"));
        return buckets;
    }

    @Test
    void metricsRoundTripWithCumulativeHistogramBuckets() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(50_000);          // 50 µs: first bucket (le 0.0001)
        h.record(100_000);         // exactly on a bound: counted in it
        h.record(3_000_000);       // 3 ms: le 0.005
        h.record(3_000_000);
        h.record(20_000_000_000L); // 20 s: only +Inf
        ReceiverMetrics m = new ReceiverMetrics(0x3000100L, 0x3000100L, 0x3000000L, 0x2FFFFF0L, 0x3000200L, 0x200,
                0.25, 123_456, 7, 5, 1, true, 2, 3, 1024, 4096, 0, h.snapshot(),
                new ReceiverMetrics.Storage(true, 1, 6, 0, 2, true, 3));

        Map<String, Double> s = parse(PrometheusText.format(m));

        assertThat(s).containsEntry("walstream_flushed_lsn", (double) 0x3000000L)
                .containsEntry("walstream_received_lsn", (double) 0x3000100L)
                .containsEntry("walstream_server_wal_end_lsn", (double) 0x3000200L)
                .containsEntry("walstream_lag_bytes", 512.0)
                .containsEntry("walstream_lag_seconds", 0.25)
                .containsEntry("walstream_received_bytes_total", 123_456.0)
                .containsEntry("walstream_segments_completed_total", 7.0)
                .containsEntry("walstream_fsyncs_total", 5.0)
                .containsEntry("walstream_reconnects_total", 2.0)
                .containsEntry("walstream_ring_occupancy", 3.0)
                .containsEntry("walstream_ring_capacity", 1024.0)
                .containsEntry("walstream_verification_failures_total", 0.0)
                .containsEntry("walstream_streaming", 1.0)
                .containsEntry("walstream_disk_full", 1.0)
                .containsEntry("walstream_disk_full_events_total", 1.0)
                .containsEntry("walstream_segments_compressed_total", 6.0)
                .containsEntry("walstream_compression_pending", 2.0)
                .containsEntry("walstream_spool_full", 1.0)
                .containsEntry("walstream_spool_full_events_total", 3.0)
                .containsEntry("walstream_fsync_duration_seconds_count", 5.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"0.0001\"}", 2.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"0.0025\"}", 2.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"0.005\"}", 4.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"10\"}", 4.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"+Inf\"}", 5.0);
        assertThat(s.get("walstream_fsync_duration_seconds_sum")).isCloseTo(20.00615, org.assertj.core.data.Offset
                .offset(1e-9));
        assertThat(buckets(s, "walstream_fsync_duration_seconds")).hasSize(LatencyHistogram.DEFAULT_BOUNDS_SECONDS.length
                + 1);
    }

    @Test
    void unknownLagIsNaNAndBoundsArePlainDecimals() {
        ReceiverMetrics m = new ReceiverMetrics(0, 0, 0, 0, 100, 100, Double.NaN, 0, 0, 0, 0, false, 0, 0, 0, 0, 0,
                ReceiverMetrics.NO_FSYNCS, ReceiverMetrics.Storage.NONE);
        String text = PrometheusText.format(m);
        assertThat(text).contains("walstream_lag_seconds NaN\n")
                .contains("walstream_fsync_duration_seconds_bucket{le=\"0.00025\"} 0\n")
                .doesNotContain("E-");
        assertThat(PrometheusText.number(2.5)).isEqualTo("2.5");
        assertThat(PrometheusText.number(1)).isEqualTo("1");
    }

    @Test
    void theObjectStoresLagIsThereOnlyWithAnArchive() {
        ReceiverMetrics m = new ReceiverMetrics(0, 0, 0x5000000L, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 0, 0, 0,
                ReceiverMetrics.NO_FSYNCS, ReceiverMetrics.Storage.NONE);
        assertThat(PrometheusText.format(m)).doesNotContain("walstream_store_");

        Map<String, Double> s = parse(PrometheusText.format(m.withStore(new ReceiverMetrics.Store(0x3000000L,
                0x2000000L, 42.5, 3, 48L << 20, true))));
        assertThat(s).containsEntry("walstream_store_archived_lsn", (double) 0x3000000L)
                .containsEntry("walstream_store_lag_bytes", (double) 0x2000000L)
                .containsEntry("walstream_store_lag_seconds", 42.5)
                .containsEntry("walstream_store_uploaded_files_total", 3.0)
                .containsEntry("walstream_store_uploaded_bytes_total", (double) (48L << 20))
                .containsEntry("walstream_store_uploads_stopped", 1.0);
    }

    @Test
    void aSnapshotTakenWhileTheWriterRecordsIsConsistent() throws Exception {
        LatencyHistogram h = new LatencyHistogram();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 2_000_000; i++) {
                h.record(i % 7 == 0 ? 30_000_000 : 200_000);
            }
        });
        writer.start();
        while (writer.isAlive()) {
            LatencyHistogram.Snapshot snap = h.snapshot();
            long[] c = snap.cumulativeCounts();
            assertThat(c[c.length - 1]).isEqualTo(snap.count()); // nothing beyond 10 s recorded
        }
        writer.join();
        assertThat(h.snapshot().count()).isEqualTo(2_000_000);
    }
}
