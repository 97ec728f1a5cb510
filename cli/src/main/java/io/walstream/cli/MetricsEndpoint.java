package io.walstream.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.walstream.archiver.metrics.ArchiveMetrics;
import io.walstream.archiver.metrics.MetricsServer;
import io.walstream.archiver.metrics.ReceiverMetrics;
import io.walstream.archiver.receive.ArchiveReceiver;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * {@code receive --metrics-port}: the receiver's meters in a Prometheus registry of their own, whose scrape is served at
 * {@code /metrics}. A class of its own so that only a receive with a metrics port loads Micrometer: no Micrometer type
 * appears in what {@link ReceiveCommand} calls.
 */
final class MetricsEndpoint implements AutoCloseable {

    private final PrometheusMeterRegistry registry;
    private final ArchiveMetrics meters;
    private final MetricsServer server;

    private MetricsEndpoint(PrometheusMeterRegistry registry, ArchiveMetrics meters, MetricsServer server) {
        this.registry = registry;
        this.meters = meters;
        this.server = server;
    }

    /** {@code source}: the receiver's snapshots, with the object store's when it uploads ({@code --archive}). */
    static MetricsEndpoint start(ArchiveReceiver receiver, Supplier<ReceiverMetrics> source, InetSocketAddress address) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ArchiveMetrics meters = new ArchiveMetrics(receiver, source, Tags.empty());
        meters.bindTo(registry);
        try {
            return new MetricsEndpoint(registry, meters, MetricsServer.start(address, registry::scrape));
        } catch (RuntimeException e) {
            meters.close();
            registry.close();
            throw e;
        }
    }

    @Override
    public void close() {
        server.close();
        meters.close();
        registry.close();
    }
}
