package io.walstream.archiver.metrics;

import static io.walstream.archiver.ArchiveReceiverIT.awaitTrue;
import static io.walstream.archiver.ArchiveReceiverIT.options;
import static io.walstream.archiver.ArchiveReceiverIT.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrapes {@code /metrics} over HTTP while a receiver archives a real PostgreSQL 17 server, as the cli serves it (the
 * receiver's meters in a Prometheus registry), with an embedding program's own registry bound beside it.
 */
@ExtendWith(PgClusterExtension.class)
class MetricsServerIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return ArchiveMetricsTest.parse(r.body());
    }

    @Test
    void scrapesPositionsSegmentsAndFsyncLatencyDuringAReceive(@TempDir Path dir) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SimpleMeterRegistry host = new SimpleMeterRegistry();
        try (PgCluster pg = PgCluster.builder().name("metrics_primary").start();
                ArchiveReceiver receiver = new ArchiveReceiver(dir, options(pg, "application_name=metrics"));
                ArchiveMetrics meters = new ArchiveMetrics(receiver);
                MetricsServer metrics = MetricsServer.start(0, registry::scrape)) {
            meters.bindTo(registry);
            meters.bindTo(host);
            assertThat(metrics.port()).isPositive();
            assertThat(metrics.address().getAddress().isLoopbackAddress()).as("no authentication: loopback only")
                    .isTrue();
            assertThat(scrape(metrics.port())).containsEntry("walstream_flushed_lsn", 0.0)
                    .containsEntry("walstream_streaming", 0.0);

            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            awaitTrue(() -> receiver.progress().streaming());
            pg.execute("CREATE TABLE t (id int, payload text)");
            write(pg, 20_000);
            Lsn end = Lsn.parse(pg.switchWal());
            awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
            awaitTrue(() -> receiver.metrics().lagBytes() == 0);

            Map<String, Double> s = scrape(metrics.port());
            assertThat(s.keySet()).as("every documented series").containsAll(ArchiveMetricsTest.FAMILIES.stream()
                    .map(f -> f.equals("walstream_fsync_duration_seconds") ? f + "_count" : f).toList());
            assertThat(s.get("walstream_flushed_lsn")).isGreaterThanOrEqualTo((double) end.value());
            assertThat(s.get("walstream_received_lsn")).isGreaterThanOrEqualTo(s.get("walstream_flushed_lsn"));
            assertThat(s.get("walstream_server_wal_end_lsn")).isGreaterThanOrEqualTo((double) end.value());
            assertThat(s.get("walstream_segments_completed_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(s.get("walstream_received_bytes_total")).isGreaterThan(1e6);
            assertThat(s.get("walstream_fsync_duration_seconds_count")).isPositive();
            assertThat(s.get("walstream_fsync_duration_seconds_sum")).isPositive();
            assertThat(ArchiveMetricsTest.buckets(s, "walstream_fsync_duration_seconds").get(0)[1])
                    .isLessThanOrEqualTo(s.get("walstream_fsync_duration_seconds_count"));
            // caught up a moment ago; the server may have written a little WAL of its own since
            assertThat(s.get("walstream_lag_bytes")).isBetween(0.0, 1e6);
            assertThat(s.get("walstream_lag_seconds")).isBetween(0.0, 30.0);
            assertThat(s).containsEntry("walstream_streaming", 1.0).containsEntry("walstream_timeline", 1.0)
                    .containsEntry("walstream_reconnects_total", 0.0)
                    .containsEntry("walstream_verification_failures_total", 0.0);
            assertThat(s.get("walstream_verified_lsn")).isPositive();
            assertThat(s.get("walstream_ring_capacity")).isEqualTo(1024.0);
            assertThat(s.get("walstream_fsync_duration_seconds_max")).isPositive();

            // the embedding program's registry saw the same receive
            assertThat(host.get("walstream.flushed.lsn").gauge().value()).isGreaterThanOrEqualTo((double) end.value());
            assertThat(host.get("walstream.received.bytes").functionCounter().count()).isGreaterThan(1e6);
            assertThat(host.get("walstream.segments.completed").functionCounter().count()).isGreaterThanOrEqualTo(1);
            assertThat(host.get("walstream.fsync.duration").timer().count()).isPositive();
            assertThat(host.get("walstream.streaming").gauge().value()).isEqualTo(1.0);

            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + metrics.port() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(404);

            receiver.stop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
        }
    }

    @Test
    void lagIsPositiveWhileCatchingUpAndZeroOnceCaughtUp(@TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("metrics_lag").start()) {
            pg.execute("SELECT pg_create_physical_replication_slot('lag', true)");
            pg.execute("CREATE TABLE t (id int, payload text)");
            write(pg, 100_000); // about 70 MB of WAL the slot keeps for a receiver that starts behind
            Lsn written = Lsn.parse(pg.currentWalLsn());
            ReceiveOptions opts = options(pg, "application_name=lag").withSlot("lag", false, false)
                    .withFsync(FsyncPolicy.synchronous()); // an fsync per batch: a catch-up long enough to watch
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                ReceiverMetrics behind = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (behind == null && System.nanoTime() < deadline && !run.isDone()) {
                    ReceiverMetrics m = receiver.metrics();
                    if (m.lagBytes() > 0 && m.flushedLsn() > 0 && !Double.isNaN(m.lagSeconds())) {
                        behind = m;
                    }
                }
                assertThat(behind).as("a sample while behind with something durable").isNotNull();
                assertThat(behind.serverWalEnd()).isGreaterThanOrEqualTo(written.value());
                assertThat(behind.lagBytes()).isEqualTo(behind.serverWalEnd() - behind.flushedLsn());
                assertThat(behind.lagSeconds()).isBetween(0.0, 60.0);
                awaitTrue(() -> receiver.progress().durableLsn() >= written.value());
                awaitTrue(() -> {
                    ReceiverMetrics m = receiver.metrics();
                    return m.lagBytes() == 0 && m.lagSeconds() == 0; // one snapshot: caught up means both are zero
                });
                assertThat(receiver.metrics().segmentsCompleted()).isGreaterThanOrEqualTo(3);
                receiver.stop();
                assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            }
        }
    }
}
