/**
 * What a monitoring system sees of a running receiver: {@link io.walstream.archiver.metrics.ReceiverMetrics} (one
 * snapshot of positions, lag and counters), the receiver's Micrometer meters over it ({@link
 * io.walstream.archiver.metrics.ArchiveMetrics}, a {@code MeterBinder}), and {@link
 * io.walstream.archiver.metrics.MetricsServer}, which serves a Prometheus registry's scrape at {@code /metrics}
 * ({@code receive --metrics-port}). Reading metrics allocates the snapshot only and never blocks receiving.
 *
 * <h2>Why Micrometer (issue 14)</h2>
 * A backup tool that embeds walstream should find our meters in its own registry. Micrometer is a facade, as SLF4J is
 * for logging: the host hands us its {@code MeterRegistry} (Spring Boot, Micronaut, Quarkus and plain applications
 * have one) and our meters go wherever its own go: Prometheus, OTLP, Datadog, JMX. The Prometheus Java client alone
 * would only help a host that exposes Prometheus through that same client; {@code micrometer-registry-prometheus}
 * is built on it, so the cli's {@code /metrics} keeps the Prometheus format. The archiver needs micrometer-core only;
 * the Prometheus registry is the cli's.
 *
 * <p>Gauges and function counters read the snapshot at scrape time, so receiving counts nothing extra. The fsync
 * latency is a Micrometer {@code Timer} with the bucket bounds walstream always had, recorded once per flush by
 * the flusher through {@link io.walstream.archiver.receive.ArchiveReceiver#observeFsyncs}: Micrometer cannot publish
 * buckets counted elsewhere (a {@code FunctionTimer} has a count and a total only).
 */
package io.walstream.archiver.metrics;
