/**
 * What a monitoring system sees of a running receiver: {@link io.walstream.archiver.metrics.ReceiverMetrics}
 * (one snapshot of positions, lag, counters and the fsync latency {@link
 * io.walstream.archiver.metrics.LatencyHistogram}), rendered by {@link
 * io.walstream.archiver.metrics.PrometheusText} and served by {@link io.walstream.archiver.metrics.MetricsServer}
 * ({@code receive --metrics-port}). Reading metrics allocates the snapshot only and never blocks receiving.
 *
 * <h2>Which metrics library (issue 14): Micrometer, not yet wired in</h2>
 * A backup tool that embeds walstream should find our meters in its own registry. <b>Micrometer</b> is the library
 * for that, for the reason the code logs through SLF4J: it is a facade, so the host hands us its {@code
 * MeterRegistry} (Spring Boot, Micronaut, Quarkus and plain applications have one) and our meters go wherever its
 * own go: Prometheus, OTLP, Datadog, JMX. The Prometheus Java client ({@code prometheus-metrics-core}) only helps a
 * host that exposes Prometheus through that same client, and choosing Micrometer does not cost the Prometheus format:
 * {@code micrometer-registry-prometheus} is built on that client. micrometer-core needs HdrHistogram, which the
 * archiver already ships, plus LatencyUtils and two small Micrometer jars.
 *
 * <p>What the switch takes, and why it is not done yet:
 * <ul>
 *   <li>a {@code MeterBinder} registering gauges and function counters over the receiver's counters, named so that
 *       Prometheus naming gives today's names ({@code walstream.received.bytes} counter becomes {@code
 *       walstream_received_bytes_total});</li>
 *   <li>the fsync latency as a Micrometer {@code Timer} with {@code serviceLevelObjectives} at
 *       {@code LatencyHistogram.DEFAULT_BOUNDS_SECONDS}, recorded by the flusher where
 *       it records into {@code LatencyHistogram} now: Micrometer cannot publish buckets counted elsewhere (a {@code
 *       FunctionTimer} has a count and a total only), so this touches the pipeline;</li>
 *   <li>{@code MetricsServer} serving {@code PrometheusMeterRegistry.scrape()}. The text changes: the Prometheus
 *       client writes doubles with {@code Double.toString} ({@code le="1.0E-4"} where we write {@code le="0.0001"},
 *       counters as {@code 5.0}) and adds {@code walstream_fsync_duration_seconds_max}. A dashboard or alert that
 *       selects a bucket by its {@code le} string would stop matching, and PrometheusTextTest checks those strings,
 *       so the switch is a visible change to the {@code /metrics} output, to be made and announced on its own.</li>
 * </ul>
 */
package io.walstream.archiver.metrics;
