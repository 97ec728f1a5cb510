/**
 * What a monitoring system sees of a running receiver: {@link io.walstream.archiver.metrics.ReceiverMetrics}
 * (one snapshot of positions, lag, counters and the fsync latency {@link
 * io.walstream.archiver.metrics.LatencyHistogram}), rendered by {@link
 * io.walstream.archiver.metrics.PrometheusText} and served by {@link io.walstream.archiver.metrics.MetricsServer}
 * ({@code receive --metrics-port}). Reading metrics allocates the snapshot only and never blocks receiving.
 */
package io.walstream.archiver.metrics;
