package io.walstream.cli;

import io.walstream.archiver.metrics.ReceiverMetrics;
import io.walstream.protocol.Lsn;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code receive}'s progress on stderr once a second: on a terminal one line rewritten in place
 * with {@code \r}; otherwise (a log file) one line per second. With {@code --archive} it ends with the object
 * store's position and lag.
 */
final class ProgressLine implements AutoCloseable {

    private final Supplier<ReceiverMetrics> metrics;
    private final PrintWriter err;
    private final boolean inPlace;
    private final ScheduledExecutorService ticker;
    private long lastBytes;
    private long lastNanos = System.nanoTime();
    private int lastLength;

    ProgressLine(Supplier<ReceiverMetrics> metrics, PrintWriter err, boolean inPlace) {
        this.metrics = metrics;
        this.err = err;
        this.inPlace = inPlace;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "walstream-progress");
            t.setDaemon(true);
            return t;
        });
    }

    static ProgressLine start(Supplier<ReceiverMetrics> metrics, PrintWriter err, boolean inPlace) {
        ProgressLine p = new ProgressLine(metrics, err, inPlace);
        p.ticker.scheduleAtFixedRate(p::tick, 1, 1, TimeUnit.SECONDS);
        return p;
    }

    synchronized void tick() {
        ReceiverMetrics m = metrics.get();
        long now = System.nanoTime();
        double mbps = (m.receivedBytes() - lastBytes) / 1e6 / ((now - lastNanos) / 1e9);
        lastBytes = m.receivedBytes();
        lastNanos = now;
        String line = format(m, mbps);
        if (inPlace) {
            // pad over what the previous, longer line left behind
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    static String format(ReceiverMetrics m, double mbps) {
        return String.format(Locale.ROOT, "received %s  flushed %s  %.1f MB/s  lag %s, %s  timeline %d  %d segments",
                Lsn.format(m.receivedLsn()), Lsn.format(m.flushedLsn()), mbps, bytes(m.lagBytes()),
                Double.isNaN(m.lagSeconds()) ? "? s" : String.format(Locale.ROOT, "%.1f s", m.lagSeconds()),
                m.timeline(), m.segmentsCompleted())
                + (m.storage() != null && m.storage().diskFull() ? "  DISK FULL: paused" : "")
                + (m.storage() != null && m.storage().spoolFull() ? "  SPOOL FULL: paused for uploads" : "")
                + (m.storage() != null && m.storage().compressionFailures() > 0 ? "  COMPRESSION FAILED: "
                        + m.storage().compressionFailures() + " segments kept uncompressed" : "")
                + (m.store() == null ? "" : store(m.store()));
    }

    /** With {@code --archive}: where the object store's WAL ends and how far, in bytes and time, it is behind. */
    static String store(ReceiverMetrics.Store s) {
        return (s.archivedLsn() <= 0 ? "  store: nothing yet" : "  store " + Lsn.format(s.archivedLsn()) + ", "
                + bytes(s.lagBytes()) + " behind (" + (Double.isNaN(s.lagSeconds()) ? "?"
                : String.format(Locale.ROOT, "%.1f", s.lagSeconds())) + " s)")
                + (s.uploadsStopped() ? "  UPLOADS STOPPED" : "");
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        if (n < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f kB", n / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", n / 1048576.0);
    }

    /** Stops the ticker; on a terminal ends the line so the next output starts on its own. */
    @Override
    public synchronized void close() {
        ticker.shutdownNow();
        if (inPlace && lastLength > 0) {
            err.println();
            err.flush();
        }
    }
}
