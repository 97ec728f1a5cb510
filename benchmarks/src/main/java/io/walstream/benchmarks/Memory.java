package io.walstream.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of a run: this JVM's heap (the pools' peak usage since {@link #resetPeaks()}) and resident set
 * (Linux {@code VmHWM}, reset through {@code /proc/self/clear_refs}), and a child process's resident set by
 * polling its {@code VmHWM} (monotonic, so the last value read before it exits is its peak, to within the
 * poll interval).
 */
final class Memory {

    private Memory() {
    }

    /** Starts a new measurement period for {@link #peakHeapBytes()} and this process's {@link #peakRssBytes(long)}. */
    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // 5: reset the peak RSS (Linux >= 4.0)
        } catch (IOException | RuntimeException e) {
            // not Linux, or not allowed: the peak then covers the whole process lifetime
        }
    }

    /** Sum of the heap pools' peaks since the last reset: an upper bound of the heap in use at any moment. */
    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** {@code VmHWM} of {@code pid} (this process: {@link ProcessHandle#current()}), or -1 when unreadable. */
    static long peakRssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return -1;
    }

    /** Polls a child's peak RSS until it exits. */
    static final class Watcher implements AutoCloseable {
        private final Thread thread;
        private volatile long peak = -1;

        Watcher(Process process) {
            thread = new Thread(() -> {
                while (process.isAlive()) {
                    long now = peakRssBytes(process.pid());
                    if (now > peak) {
                        peak = now;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-watcher-" + process.pid());
            thread.setDaemon(true);
            thread.start();
        }

        long peakBytes() {
            return peak;
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join();
        }
    }
}
