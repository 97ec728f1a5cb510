package io.walstream.archiver.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's meters as a Prometheus scrape shows them (every family declared before its samples, the names
 * docs/operations.md lists, histogram buckets that accumulate) and as an embedding program's own registry sees them.
 */
final class ArchiveMetricsTest {

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{le=\"([^\"]+)\"\\})? (\\S+)");

    /** The scraped series, by family: what docs/operations.md lists. */
    static final Set<String> FAMILIES = Set.of("walstream_received_lsn", "walstream_written_lsn",
            "walstream_flushed_lsn", "walstream_verified_lsn", "walstream_server_wal_end_lsn", "walstream_lag_bytes",
            "walstream_lag_seconds", "walstream_received_bytes_total", "walstream_segments_completed_total",
            "walstream_fsyncs_total", "walstream_fsync_duration_seconds", "walstream_fsync_duration_seconds_max",
            "walstream_reconnects_total", "walstream_ring_occupancy", "walstream_ring_capacity",
            "walstream_bytes_in_flight", "walstream_verification_failures_total", "walstream_timeline",
            "walstream_streaming", "walstream_disk_full", "walstream_disk_full_events_total",
            "walstream_segments_compressed_total", "walstream_compression_failures_total",
            "walstream_compression_pending", "walstream_spool_full", "walstream_spool_full_events_total");

    /** Samples by name (with {@code {le="..."}} kept), after checking HELP and TYPE lines. */
    static Map<String, Double> parse(String text) {
        return parse(text, new LinkedHashSet<>());
    }

    private static Map<String, Double> parse(String text, Set<String> families) {
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
            String family = types.containsKey(name) ? name : name.replaceFirst("_(bucket|sum|count)$", "");
            String type = types.get(family);
            assertThat(type).as("declared type of %s", name).isNotNull();
            assertThat(name).startsWith("walstream_");
            if (type.equals("counter")) {
                assertThat(name).endsWith("_total");
            }
            families.add(family);
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

    /** Fsync observers as a receiver keeps them, for meters over a fixed snapshot. */
    private static final class Fsyncs {
        final List<LongConsumer> observers = new ArrayList<>();

        void record(long nanos) {
            observers.forEach(o -> o.accept(nanos));
        }

        ArchiveMetrics metricsOver(ReceiverMetrics snapshot) {
            return new ArchiveMetrics(() -> snapshot, observers::add, observers::remove, Tags.empty());
        }
    }

    @Test
    void theScrapeHasEveryDocumentedSeriesWithTheSnapshotsValues() {
        ReceiverMetrics m = new ReceiverMetrics(0x3000100L, 0x3000080L, 0x3000000L, 0x2FFFFF0L, 0x3000200L, 0x200,
                0.25, 123_456, 7, 5, 1, true, 2, 3, 1024, 4096, 0, new ReceiverMetrics.Storage(true, 1, 6, 0, 2, true, 3));
        Fsyncs fsyncs = new Fsyncs();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        fsyncs.metricsOver(m).bindTo(registry);
        fsyncs.record(50_000);          // 50 µs: first bucket (le 0.0001)
        fsyncs.record(100_000);         // exactly on a bound: counted in it
        fsyncs.record(3_000_000);       // 3 ms: le 0.005
        fsyncs.record(3_000_000);
        fsyncs.record(20_000_000_000L); // 20 s: only +Inf

        Set<String> families = new LinkedHashSet<>();
        Map<String, Double> s = parse(registry.scrape(), families);

        assertThat(families).containsExactlyInAnyOrderElementsOf(FAMILIES);
        assertThat(s).containsEntry("walstream_flushed_lsn", (double) 0x3000000L)
                .containsEntry("walstream_received_lsn", (double) 0x3000100L)
                .containsEntry("walstream_written_lsn", (double) 0x3000080L)
                .containsEntry("walstream_verified_lsn", (double) 0x2FFFFF0L)
                .containsEntry("walstream_server_wal_end_lsn", (double) 0x3000200L)
                .containsEntry("walstream_lag_bytes", 512.0)
                .containsEntry("walstream_lag_seconds", 0.25)
                .containsEntry("walstream_received_bytes_total", 123_456.0)
                .containsEntry("walstream_segments_completed_total", 7.0)
                .containsEntry("walstream_fsyncs_total", 5.0)
                .containsEntry("walstream_timeline", 1.0)
                .containsEntry("walstream_reconnects_total", 2.0)
                .containsEntry("walstream_ring_occupancy", 3.0)
                .containsEntry("walstream_ring_capacity", 1024.0)
                .containsEntry("walstream_bytes_in_flight", 4096.0)
                .containsEntry("walstream_verification_failures_total", 0.0)
                .containsEntry("walstream_streaming", 1.0)
                .containsEntry("walstream_disk_full", 1.0)
                .containsEntry("walstream_disk_full_events_total", 1.0)
                .containsEntry("walstream_segments_compressed_total", 6.0)
                .containsEntry("walstream_compression_failures_total", 0.0)
                .containsEntry("walstream_compression_pending", 2.0)
                .containsEntry("walstream_spool_full", 1.0)
                .containsEntry("walstream_spool_full_events_total", 3.0)
                .containsEntry("walstream_fsync_duration_seconds_count", 5.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"1.0E-4\"}", 2.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"0.0025\"}", 2.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"0.005\"}", 4.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"10.0\"}", 4.0)
                .containsEntry("walstream_fsync_duration_seconds_bucket{le=\"+Inf\"}", 5.0)
                .containsEntry("walstream_fsync_duration_seconds_max", 20.0);
        assertThat(s.get("walstream_fsync_duration_seconds_sum")).isCloseTo(20.00615, Offset.offset(1e-9));
        assertThat(buckets(s, "walstream_fsync_duration_seconds")).hasSize(ArchiveMetrics.FSYNC_BUCKETS.length + 1);
    }

    @Test
    void unknownLagIsNaN() {
        ReceiverMetrics m = new ReceiverMetrics(0, 0, 0, 0, 100, 100, Double.NaN, 0, 0, 0, 0, false, 0, 0, 0, 0, 0,
                ReceiverMetrics.Storage.NONE);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new Fsyncs().metricsOver(m).bindTo(registry);
        assertThat(registry.scrape()).contains("walstream_lag_seconds NaN\n")
                .contains("walstream_fsync_duration_seconds_bucket{le=\"2.5E-4\"} 0\n");
    }

    @Test
    void theObjectStoresMetersAreThereOnlyWithAnArchive() {
        ReceiverMetrics m = new ReceiverMetrics(0, 0, 0x5000000L, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 0, 0, 0,
                ReceiverMetrics.Storage.NONE);
        PrometheusMeterRegistry without = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new Fsyncs().metricsOver(m).bindTo(without);
        assertThat(without.scrape()).doesNotContain("walstream_store_");

        PrometheusMeterRegistry with = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new Fsyncs().metricsOver(m.withStore(new ReceiverMetrics.Store(0x3000000L, 0x2000000L, 42.5, 3, 48L << 20,
                true))).bindTo(with);
        assertThat(parse(with.scrape())).containsEntry("walstream_store_archived_lsn", (double) 0x3000000L)
                .containsEntry("walstream_store_lag_bytes", (double) 0x2000000L)
                .containsEntry("walstream_store_lag_seconds", 42.5)
                .containsEntry("walstream_store_uploaded_files_total", 3.0)
                .containsEntry("walstream_store_uploaded_bytes_total", (double) (48L << 20))
                .containsEntry("walstream_store_uploads_stopped", 1.0);
    }

    @Test
    void anEmbeddingRegistrySeesTheMetersAfterBindingAndNotAfterClose(@TempDir Path dir) {
        ArchiveReceiver receiver = new ArchiveReceiver(dir,
                ReceiveOptions.of(ConnectionSettings.fromConninfo("host=127.0.0.1 port=1 user=nobody")));
        SimpleMeterRegistry host = new SimpleMeterRegistry();
        ArchiveMetrics metrics = new ArchiveMetrics(receiver, Tags.of("cluster", "orders"));
        assertThat(host.getMeters()).isEmpty();

        metrics.bindTo(host);

        assertThat(host.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("cluster")).isEqualTo("orders"))
                .filteredOn(m -> m.getId().syntheticAssociation() == null) // the timer's bucket gauges here
                .hasSize(FAMILIES.size() - 1); // _max is the timer's, not a meter of its own
        Gauge flushed = host.get("walstream.flushed.lsn").tag("cluster", "orders").gauge();
        assertThat(flushed.value()).isZero(); // not started: nothing durable yet
        assertThat(host.get("walstream.lag.bytes").gauge().getId().getBaseUnit()).isEqualTo("bytes");
        FunctionCounter received = host.get("walstream.received.bytes").functionCounter();
        assertThat(received.count()).isZero();
        assertThat(received.getId().getBaseUnit()).isEqualTo("bytes");
        Timer fsync = host.get("walstream.fsync.duration").timer();
        assertThat(fsync.count()).isZero();
        assertThat(fsync.takeSnapshot().histogramCounts()).hasSize(ArchiveMetrics.FSYNC_BUCKETS.length);

        metrics.close();
        assertThat(host.getMeters()).isEmpty();
        assertThat(host.find("walstream.flushed.lsn").meters()).isEmpty();
    }

    @Test
    void everyBoundRegistryTimesTheFsyncsUntilClosed() {
        Fsyncs fsyncs = new Fsyncs();
        ArchiveMetrics metrics = fsyncs.metricsOver(new ReceiverMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0,
                0, 0, 0, ReceiverMetrics.Storage.NONE));
        SimpleMeterRegistry host = new SimpleMeterRegistry();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics.bindTo(host);
        metrics.bindTo(prometheus);

        fsyncs.record(2_000_000);

        for (Timer t : List.of(host.get("walstream.fsync.duration").timer(),
                prometheus.get("walstream.fsync.duration").timer())) {
            assertThat(t.count()).isEqualTo(1);
            assertThat(t.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(2_000_000.0);
        }
        metrics.close();
        assertThat(fsyncs.observers).as("the receiver stops calling removed timers").isEmpty();
        assertThat(prometheus.getMeters()).extracting(Meter::getId).isEmpty();
    }
}
