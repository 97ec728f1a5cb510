package io.walstream.cli;

import io.walstream.archiver.metrics.ReceiverMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Samples a receiver's lag (bytes and seconds behind the server) a few times a second, for percentiles at the end. */
final class LagSampler implements AutoCloseable {

    /** Lag percentiles over the samples taken while streaming; seconds in milliseconds so JSON stays integral. */
    record Summary(int samples, long p50Bytes, long p95Bytes, long p99Bytes, long maxBytes, long p50Millis,
            long p95Millis, long p99Millis, long maxMillis) {

        static final Summary NONE = new Summary(0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private final List<Long> bytes = new ArrayList<>();
    private final List<Long> millis = new ArrayList<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "walstream-demo-lag");
        t.setDaemon(true);
        return t;
    });
    private volatile Supplier<ReceiverMetrics> source;

    LagSampler(long periodMillis) {
        ticker.scheduleAtFixedRate(this::sample, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** The receiver to sample from now on (the demo has one before and one after the failover), or null. */
    void follow(Supplier<ReceiverMetrics> metrics) {
        source = metrics;
    }

    private void sample() {
        Supplier<ReceiverMetrics> s = source;
        if (s == null) {
            return;
        }
        ReceiverMetrics m = s.get();
        if (!m.streaming() || m.serverWalEnd() == 0) {
            return; // connecting or between timelines: no lag to speak of
        }
        synchronized (this) {
            bytes.add(m.lagBytes());
            if (!Double.isNaN(m.lagSeconds())) {
                millis.add(Math.round(m.lagSeconds() * 1000));
            }
        }
    }

    synchronized Summary summary() {
        if (bytes.isEmpty()) {
            return Summary.NONE;
        }
        long[] b = sorted(bytes);
        long[] s = millis.isEmpty() ? new long[] {0} : sorted(millis);
        return new Summary(b.length, percentile(b, 50), percentile(b, 95), percentile(b, 99), b[b.length - 1],
                percentile(s, 50), percentile(s, 95), percentile(s, 99), s[s.length - 1]);
    }

    private static long[] sorted(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }

    /** Nearest-rank percentile. */
    static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
